package dev.clipmatch.tokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * The Python string semantics that the original tokenizer relies on ({@code str.isspace}, {@code str.lower}
 * with the final-sigma rule, and the character classes of its split pattern), from tables generated with
 * Python itself ({@link PythonTables}), so results do not depend on the JVM's Unicode version.
 */
final class PythonText {
    /** Classes of the split pattern {@code \p{L}+ | \p{N} | [^\s\p{L}\p{N}]+}; SPACE matches none of them. */
    static final byte SPACE = 0, LETTER = 1, NUMBER = 2, SYMBOL = 3;

    private static final CodePointSet PY_SPACE = CodePointSet.parse(PythonTables.PY_SPACE);
    private static final CodePointSet CASED = CodePointSet.parse(PythonTables.CASED);
    private static final CodePointSet CASE_IGNORABLE = CodePointSet.parse(PythonTables.CASE_IGNORABLE);
    private static final byte[] BMP_CLASS = new byte[0x10000];
    private static final byte[] BMP_SPACE = new byte[0x10000];
    private static final CodePointSet LETTERS = CodePointSet.parse(PythonTables.LETTERS);
    private static final CodePointSet NUMBERS = CodePointSet.parse(PythonTables.NUMBERS);
    private static final CodePointSet SYMBOLS = CodePointSet.parse(PythonTables.SYMBOLS);
    /** Lower-case forms: BMP code points to one char in a flat table (0: see the map), the rest in a map. */
    private static final char[] BMP_LOWER = new char[0x10000];
    private static final Map<Integer, String> OTHER_LOWER = new HashMap<>();

    private static final int CAPITAL_SIGMA = 0x3A3, SMALL_SIGMA = 0x3C3, FINAL_SIGMA = 0x3C2;

    static {
        // The classes are disjoint (tools/gen_tokenizer_tables.py asserts it); whatever is in none is SPACE.
        SYMBOLS.fill(BMP_CLASS, SYMBOL);
        NUMBERS.fill(BMP_CLASS, NUMBER);
        LETTERS.fill(BMP_CLASS, LETTER);
        PY_SPACE.fill(BMP_SPACE, (byte) 1);
        for (int c = 0; c < 0x10000; c++) BMP_LOWER[c] = (char) c;
        for (String entry : PythonTables.LOWER.split(" ")) {
            int eq = entry.indexOf('=');
            int from = Integer.parseInt(entry.substring(0, eq), 16);
            String to = CodePointSet.decodeHex(entry.substring(eq + 1));
            if (from < 0x10000 && to.length() == 1) {
                BMP_LOWER[from] = to.charAt(0);
            } else {
                OTHER_LOWER.put(from, to);
                if (from < 0x10000) BMP_LOWER[from] = 0; // marks "look in OTHER_LOWER"
            }
        }
    }

    private PythonText() {}

    private static byte classOfSlow(int cp) {
        if (LETTERS.contains(cp)) return LETTER;
        if (NUMBERS.contains(cp)) return NUMBER;
        if (SYMBOLS.contains(cp)) return SYMBOL;
        return SPACE;
    }

    /** The split-pattern class of a code point. */
    static byte classOf(int cp) {
        return cp < 0x10000 ? BMP_CLASS[cp] : classOfSlow(cp);
    }

    /** Python's {@code str.isspace()} for one code point. */
    static boolean isSpace(int cp) {
        return cp < 0x10000 ? BMP_SPACE[cp] != 0 : PY_SPACE.contains(cp);
    }

    /** Python's {@code " ".join(s.split())}: runs of whitespace become one space, none at either end. */
    static String collapseWhitespace(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean pendingSpace = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (isSpace(cp)) {
                pendingSpace = sb.length() > 0;
                continue;
            }
            if (pendingSpace) sb.append(' ');
            pendingSpace = false;
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    /** Python's {@code str.lower()}, including the final-sigma rule for U+03A3. */
    static String lower(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            String low = null;
            if (cp == CAPITAL_SIGMA) {
                low = String.valueOf((char) (isFinalSigma(s, i) ? FINAL_SIGMA : SMALL_SIGMA));
            } else if (n == 1) {
                char l = BMP_LOWER[cp];
                if (l != cp) low = l == 0 ? OTHER_LOWER.get(cp) : String.valueOf(l);
            } else {
                low = OTHER_LOWER.get(cp);
            }
            if (low != null && sb == null) sb = new StringBuilder(s.length() + 8).append(s, 0, i);
            if (sb != null) {
                if (low != null) sb.append(low);
                else sb.appendCodePoint(cp);
            }
            i += n;
        }
        return sb == null ? s : sb.toString();
    }

    /** CPython's handle_capital_sigma: cased before (skipping case-ignorables) and no cased after. */
    private static boolean isFinalSigma(String s, int at) {
        int j = at;
        int before = -1;
        while (j > 0) {
            int cp = s.codePointBefore(j);
            j -= Character.charCount(cp);
            if (!CASE_IGNORABLE.contains(cp)) {
                before = cp;
                break;
            }
        }
        if (before < 0 || !CASED.contains(before)) return false;
        for (j = at + 1; j < s.length(); ) {
            int cp = s.codePointAt(j);
            j += Character.charCount(cp);
            if (!CASE_IGNORABLE.contains(cp)) return !CASED.contains(cp);
        }
        return true;
    }
}
