package dev.clipmatch.tokenizer;

import java.util.HashMap;
import java.util.Map;

/**
 * Python's {@code html.unescape} (the HTML5 rules for named and numeric references, including legacy names
 * without ';' and longest-prefix matching) and ftfy's stricter {@code unescape_html} (only {@code &name;},
 * {@code &#n;} and ftfy's all-caps names such as {@code &EACUTE;}).
 */
final class HtmlUnescape {
    private static final Map<String, String> HTML5 = parseMap(PythonTables.HTML5_ENTITIES);
    private static final Map<String, String> FTFY_UPPER = parseMap(PythonTables.FTFY_UPPER_ENTITIES);
    /** The longest name html.unescape tries (its pattern allows 32 code points before an optional ';'). */
    private static final int MAX_NAME = 32;
    /** ftfy's HTML_ENTITY_RE: {@code &#?[0-9A-Za-z]{1,24};}. */
    private static final int FTFY_MAX_NAME = 24;

    private HtmlUnescape() {}

    private static Map<String, String> parseMap(String table) {
        Map<String, String> map = new HashMap<>();
        for (String entry : table.split(" ")) {
            int eq = entry.indexOf('=');
            map.put(entry.substring(0, eq), CodePointSet.decodeHex(entry.substring(eq + 1)));
        }
        return map;
    }

    /** Python's {@code html.unescape(s)}. */
    static String pythonUnescape(String s) {
        int amp = s.indexOf('&');
        if (amp < 0) return s;
        StringBuilder sb = new StringBuilder(s.length());
        int copied = 0;
        while (amp >= 0) {
            int end = reference(s, amp + 1, sb, copied, amp);
            if (end > 0) {
                copied = end;
                amp = s.indexOf('&', end);
            } else {
                amp = s.indexOf('&', amp + 1);
            }
        }
        return sb.append(s, copied, s.length()).toString();
    }

    /**
     * Matches a character reference after the '&' at {@code amp}; on a match appends the text before it
     * (from {@code copied}) and its replacement, and returns the end of the match; otherwise returns -1.
     */
    private static int reference(String s, int start, StringBuilder sb, int copied, int amp) {
        int n = s.length();
        if (start < n && s.charAt(start) == '#') {
            int p = start + 1;
            boolean hex = p < n && (s.charAt(p) == 'x' || s.charAt(p) == 'X');
            if (hex) p++;
            int digits = p;
            while (p < n && (hex ? isAsciiHex(s.charAt(p)) : isAsciiDigit(s.charAt(p)))) p++;
            if (p == digits) return -1; // '#' cannot start a name either
            long num = parseCapped(s, digits, p, hex ? 16 : 10);
            if (p < n && s.charAt(p) == ';') p++;
            sb.append(s, copied, amp).append(numericReference(num));
            return p;
        }
        int p = start;
        int count = 0;
        while (p < n && count < MAX_NAME && isNameChar(s.charAt(p))) {
            p += Character.charCount(s.codePointAt(p));
            count++;
        }
        if (count == 0) return -1;
        if (p < n && s.charAt(p) == ';') p++;
        String name = s.substring(start, p);
        String value = HTML5.get(name);
        if (value != null) {
            sb.append(s, copied, amp).append(value);
            return p;
        }
        // The longest prefix (at least 2 code points, shorter than the name) that is a legacy entity name.
        // Names are ASCII, so a prefix that would split a surrogate pair never matches anyway.
        for (int x = name.length() - 1; x > 1; x--) {
            value = HTML5.get(name.substring(0, x));
            if (value != null) {
                sb.append(s, copied, amp).append(value).append(name, x, name.length());
                return p;
            }
        }
        return -1;
    }

    private static boolean isNameChar(char c) {
        return c != '\t' && c != '\n' && c != '\f' && c != ' ' && c != '<' && c != '&' && c != '#' && c != ';';
    }

    private static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isAsciiHex(char c) {
        return isAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** The number, or Long.MAX_VALUE when it is far beyond Unicode (Python's int has no limit). */
    private static long parseCapped(String s, int from, int to, int radix) {
        long v = 0;
        for (int i = from; i < to; i++) {
            v = v * radix + Character.digit(s.charAt(i), radix);
            if (v > 0x10FFFFL) return Long.MAX_VALUE;
        }
        return v;
    }

    /** html._replace_charref for numbers: the HTML5 fix-ups of invalid references. */
    private static String numericReference(long num) {
        if (num == 0x00) return "\uFFFD";
        if (num == 0x0D) return "\r";
        if (num >= 0x80 && num <= 0x9F) return String.valueOf(FtfyFixer.windows1252((int) num));
        if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF) return "\uFFFD";
        int cp = (int) num;
        boolean invalid = (cp >= 0x01 && cp <= 0x08) || cp == 0x0B || (cp >= 0x0E && cp <= 0x1F)
                || cp == 0x7F || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
        return invalid ? "" : new String(Character.toChars(cp));
    }

    /** ftfy's {@code unescape_html}: {@code &name;} from the HTML5 table or ftfy's all-caps names, {@code &#n;}. */
    static String ftfyUnescape(String s) {
        int amp = s.indexOf('&');
        if (amp < 0) return s;
        StringBuilder sb = new StringBuilder(s.length());
        int copied = 0;
        int n = s.length();
        while (amp >= 0) {
            int p = amp + 1;
            if (p < n && s.charAt(p) == '#') p++;
            int nameStart = p;
            while (p < n && isAsciiAlnum(s.charAt(p))) p++;
            int len = p - nameStart;
            if (len >= 1 && len <= FTFY_MAX_NAME && p < n && s.charAt(p) == ';') {
                String entity = s.substring(amp, p + 1);
                String value = ftfyEntity(entity);
                sb.append(s, copied, amp).append(value);
                copied = p + 1;
                amp = s.indexOf('&', copied);
            } else {
                amp = s.indexOf('&', amp + 1);
            }
        }
        return sb.append(s, copied, n).toString();
    }

    private static String ftfyEntity(String entity) {
        String name = entity.substring(1);
        String value = HTML5.get(name);
        if (value != null) return value;
        value = FTFY_UPPER.get(name);
        if (value != null) return value;
        if (entity.startsWith("&#")) {
            String unescaped = pythonUnescape(entity);
            return unescaped.indexOf(';') >= 0 ? entity : unescaped;
        }
        return entity;
    }

    private static boolean isAsciiAlnum(char c) {
        return isAsciiDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
