package dev.clipmatch.tokenizer;

/**
 * The original split pattern, {@code <\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+}
 * with IGNORECASE, as a hand-written scanner with the same leftmost-alternative semantics: at each position the
 * first alternative that matches wins, and characters no alternative matches (whitespace) are skipped.
 */
final class PreTokenizer {
    /** Receives each match as a range of the scanned text. */
    interface Sink {
        void word(int start, int end);
    }

    private static final String[] SPECIALS = {Vocabulary.START_OF_TEXT, Vocabulary.END_OF_TEXT};
    private static final String[] CONTRACTIONS = {"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"};

    private PreTokenizer() {}

    static void split(char[] s, Sink sink) {
        int n = s.length;
        int i = 0;
        while (i < n) {
            char c = s[i];
            int end = c == '<' ? matchAny(s, i, SPECIALS) : c == '\'' ? matchAny(s, i, CONTRACTIONS) : -1;
            if (end > 0) {
                sink.word(i, end);
                i = end;
                continue;
            }
            int cp = c < 0x80 ? c : Character.codePointAt(s, i);
            int next = i + Character.charCount(cp);
            byte cls = PythonText.classOf(cp);
            if (cls == PythonText.NUMBER) {
                sink.word(i, next);
            } else if (cls != PythonText.SPACE) { // a run of letters or of other symbols
                while (next < n) {
                    char d = s[next];
                    int cp2 = d < 0x80 ? d : Character.codePointAt(s, next);
                    if (PythonText.classOf(cp2) != cls) break;
                    next += Character.charCount(cp2);
                }
                sink.word(i, next);
            }
            i = next;
        }
    }

    /** End of the first literal matching at {@code at} (case-insensitively, as the pattern), or -1. */
    private static int matchAny(char[] s, int at, String[] literals) {
        for (String literal : literals) {
            if (matchesIgnoreCase(s, at, literal)) return at + literal.length();
        }
        return -1;
    }

    /**
     * The regex module's IGNORECASE uses simple case folding: for the letters of these literals that is the
     * ASCII upper case, plus U+017F LONG S for 's' (tools/gen_tokenizer_tables.py asserts this over all code points).
     */
    private static boolean matchesIgnoreCase(char[] s, int at, String literal) {
        if (at + literal.length() > s.length) return false;
        for (int k = 0; k < literal.length(); k++) {
            char want = literal.charAt(k), got = s[at + k];
            if (got == want) continue;
            boolean letter = want >= 'a' && want <= 'z';
            if (!letter) return false;
            if (got != (char) (want - 32) && !(want == 's' && got == '\u017F')) return false;
        }
        return true;
    }
}
