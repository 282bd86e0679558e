package dev.clipmatch.tokenizer;

import java.text.Normalizer;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code ftfy.fix_text} (ftfy 6.3.1, default settings): per line, HTML entities (unless the text so far had a
 * '&lt;'), mojibake repair ({@link MojibakeFixer}), C1 controls read as Windows-1252, Latin ligatures,
 * full/half-width forms, curly quotes, line breaks, lone surrogates, terminal escapes, control characters and
 * NFC, repeated until nothing changes.
 */
final class FtfyFixer {
    /** ftfy fixes text in segments: lines, or this many code points of a longer line. */
    private static final int MAX_SEGMENT = 1_000_000;

    /** Windows-1252 for bytes 0x80..0x9F; the five undefined ones stay themselves ("sloppy-windows-1252"). */
    private static final String CP1252_C1 =
            "\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F"
                    + "\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178";

    /** ftfy's LIGATURES table (Latin ligatures and digraphs only). */
    private static final Map<Integer, String> LIGATURES = Map.ofEntries(
            Map.entry(0x0132, "IJ"), Map.entry(0x0133, "ij"), Map.entry(0x0149, "\u02BCn"),
            Map.entry(0x01F1, "DZ"), Map.entry(0x01F2, "Dz"), Map.entry(0x01F3, "dz"),
            Map.entry(0x01C4, "D\u017D"), Map.entry(0x01C5, "D\u017E"), Map.entry(0x01C6, "d\u017E"),
            Map.entry(0x01C7, "LJ"), Map.entry(0x01C8, "Lj"), Map.entry(0x01C9, "lj"),
            Map.entry(0x01CA, "NJ"), Map.entry(0x01CB, "Nj"), Map.entry(0x01CC, "nj"),
            Map.entry(0xFB00, "ff"), Map.entry(0xFB01, "fi"), Map.entry(0xFB02, "fl"),
            Map.entry(0xFB03, "ffi"), Map.entry(0xFB04, "ffl"), Map.entry(0xFB05, "\u017Ft"),
            Map.entry(0xFB06, "st"));

    private static final Map<Integer, String> WIDTH = parseWidthMap(PythonTables.WIDTH_MAP);
    private static final CodePointSet RE_DIGITS = CodePointSet.parse(PythonTables.RE_DIGITS);

    private FtfyFixer() {}

    private static Map<Integer, String> parseWidthMap(String table) {
        Map<Integer, String> map = new HashMap<>();
        for (String entry : table.split(" ")) {
            int eq = entry.indexOf('=');
            map.put(Integer.parseInt(entry.substring(0, eq), 16), CodePointSet.decodeHex(entry.substring(eq + 1)));
        }
        return map;
    }

    static char windows1252(int c1) {
        return CP1252_C1.charAt(c1 - 0x80);
    }

    /** True when ftfy would leave the text unchanged for certain: printable ASCII and ordinary whitespace only. */
    private static boolean isPlain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r') || c > 0x7E || c == '&') return false;
        }
        return true;
    }

    /** {@code ftfy.fix_text(text)}. */
    static String fixText(String text) {
        if (isPlain(text)) return text.indexOf('\r') < 0 ? text : fixLineBreaks(text);
        StringBuilder out = new StringBuilder(text.length());
        boolean unescapeHtml = true; // "auto": off for this and every later segment once one has a '<'
        int pos = 0;
        while (pos < text.length()) {
            int end = text.indexOf('\n', pos) + 1;
            if (end == 0) end = text.length();
            if (end - pos > MAX_SEGMENT && text.codePointCount(pos, end) > MAX_SEGMENT)
                end = text.offsetByCodePoints(pos, MAX_SEGMENT);
            String segment = text.substring(pos, end);
            if (unescapeHtml && segment.indexOf('<') >= 0) unescapeHtml = false;
            out.append(fixSegment(segment, unescapeHtml));
            pos = end;
        }
        return out.toString();
    }

    private static String fixSegment(String text, boolean unescapeHtml) {
        for (;;) {
            String original = text;
            if (unescapeHtml) text = HtmlUnescape.ftfyUnescape(text);
            text = MojibakeFixer.fixEncoding(text);
            text = fixCharacters(text);
            text = fixLineBreaks(text);
            text = fixSurrogates(text);
            text = removeTerminalEscapes(text);
            text = removeControlChars(text);
            text = Normalizer.normalize(text, Normalizer.Form.NFC);
            if (text.equals(original)) return text;
        }
    }

    /** fix_c1_controls, fix_latin_ligatures, fix_character_width and uncurl_quotes, in that order, per character. */
    private static String fixCharacters(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp >= 0x80 && cp <= 0x9F) cp = windows1252(cp);
            String ligature = LIGATURES.get(cp);
            if (ligature == null) {
                appendWidthAndQuotes(sb, cp);
            } else {
                for (int j = 0; j < ligature.length(); j++) appendWidthAndQuotes(sb, ligature.charAt(j));
            }
        }
        return sb.toString();
    }

    private static void appendWidthAndQuotes(StringBuilder sb, int cp) {
        String wide = WIDTH.get(cp);
        if (wide == null) {
            sb.appendCodePoint(uncurl(cp));
        } else {
            for (int j = 0; j < wide.length(); ) {
                int w = wide.codePointAt(j);
                j += Character.charCount(w);
                sb.appendCodePoint(uncurl(w));
            }
        }
    }

    /** uncurl_quotes: U+02BC and U+2018..U+201B to ', U+201C..U+201F to ". */
    private static int uncurl(int cp) {
        if (cp == 0x02BC || (cp >= 0x2018 && cp <= 0x201B)) return '\'';
        if (cp >= 0x201C && cp <= 0x201F) return '"';
        return cp;
    }

    /** fix_line_breaks: CRLF, CR, U+2028, U+2029 and U+0085 become LF. */
    static String fixLineBreaks(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') continue;
            sb.append(c == '\r' || c == '\u2028' || c == '\u2029' || c == '\u0085' ? '\n' : c);
        }
        return sb.toString();
    }

    /** fix_surrogates: a Java string holds pairs as pairs already, so only lone surrogates remain to replace. */
    private static String fixSurrogates(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            boolean lone = n == 1 && Character.isSurrogate((char) cp);
            if (lone && sb == null) sb = new StringBuilder(text.length()).append(text, 0, i);
            if (sb != null) sb.appendCodePoint(lone ? 0xFFFD : cp);
            i += n;
        }
        return sb == null ? text : sb.toString();
    }

    /** remove_terminal_escapes: {@code \033\[((?:\d|;)*)([a-zA-Z])} with Python's Unicode {@code \d}. */
    private static String removeTerminalEscapes(String text) {
        int esc = text.indexOf('\033');
        if (esc < 0) return text;
        StringBuilder sb = new StringBuilder(text.length());
        int copied = 0;
        while (esc >= 0) {
            int p = esc + 1;
            int end = -1;
            if (p < text.length() && text.charAt(p) == '[') {
                p++;
                while (p < text.length()) {
                    int cp = text.codePointAt(p);
                    if (cp != ';' && !RE_DIGITS.contains(cp)) break;
                    p += Character.charCount(cp);
                }
                if (p < text.length() && isAsciiLetter(text.charAt(p))) end = p + 1;
            }
            if (end > 0) {
                sb.append(text, copied, esc);
                copied = end;
                esc = text.indexOf('\033', end);
            } else {
                esc = text.indexOf('\033', esc + 1);
            }
        }
        return sb.append(text, copied, text.length()).toString();
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /** remove_control_chars: C0 controls other than \t \n \f \r, DEL, U+206A..U+206F, BOM, U+FFF9..U+FFFC. */
    private static String removeControlChars(String text) {
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean drop = (c <= 0x08) || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F
                    || (c >= 0x206A && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);
            if (drop && sb == null) sb = new StringBuilder(text.length()).append(text, 0, i);
            if (sb != null && !drop) sb.append(c);
        }
        return sb == null ? text : sb.toString();
    }
}
