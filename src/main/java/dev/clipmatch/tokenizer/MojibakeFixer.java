package dev.clipmatch.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ftfy 6.3.1's {@code fix_encoding}: when text "looks bad" ({@link FtfyBadness}), it
 * tries to read it as UTF-8 that was decoded with one of ftfy's single-byte encodings (Latin-1, sloppy
 * Windows-125x, ISO-8859-2, MacRoman, cp437), restoring bytes lost as spaces or U+FFFD, then repairs embedded
 * UTF-8 runs, Latin-1 meant as Windows-1252 and C1 controls; repeated until nothing changes. Captions almost
 * never need it; it exists so that the few that do get the original's ids.
 */
final class MojibakeFixer {
    private static final Pattern UTF8_DETECTOR = Pattern.compile(PythonTables.FTFY_UTF8_DETECTOR_RE);
    // Byte patterns run over "byte strings": one char per byte (0..255).
    private static final Pattern A_GRAVE_WORD = Pattern.compile("\\xc3 (?! |quele|quela|quilo|s )");
    private static final Pattern ALTERED_UTF8 = Pattern.compile(
            "[\\xc2\\xc3\\xc5\\xce\\xd0\\xd9][ ]"
                    + "|[\\xe2\\xe3][ ][\\x80-\\x84\\x86-\\x9f\\xa1-\\xbf]"
                    + "|[\\xe0-\\xe3][\\x80-\\x84\\x86-\\x9f\\xa1-\\xbf][ ]"
                    + "|[\\xf0][ ][\\x80-\\xbf][\\x80-\\xbf]"
                    + "|[\\xf0][\\x80-\\xbf][ ][\\x80-\\xbf]"
                    + "|[\\xf0][\\x80-\\xbf][\\x80-\\xbf][ ]");
    private static final Pattern LOSSY_UTF8 = Pattern.compile(
            "[\\xc2-\\xdf][\\x1a]"
                    + "|[\\xc2-\\xc3][?]"
                    + "|\\xed[\\xa0-\\xaf][\\x1a?]\\xed[\\xb0-\\xbf][\\x1a?\\x80-\\xbf]"
                    + "|\\xed[\\xa0-\\xaf][\\x1a?\\x80-\\xbf]\\xed[\\xb0-\\xbf][\\x1a?]"
                    + "|[\\xe0-\\xef][\\x1a?][\\x1a\\x80-\\xbf]"
                    + "|[\\xe0-\\xef][\\x1a\\x80-\\xbf][\\x1a?]"
                    + "|[\\xf0-\\xf4][\\x1a?][\\x1a\\x80-\\xbf][\\x1a\\x80-\\xbf]"
                    + "|[\\xf0-\\xf4][\\x1a\\x80-\\xbf][\\x1a?][\\x1a\\x80-\\xbf]"
                    + "|[\\xf0-\\xf4][\\x1a\\x80-\\xbf][\\x1a\\x80-\\xbf][\\x1a?]"
                    + "|\\x1a");
    private static final String UTF8_REPLACEMENT = "\u00ef\u00bf\u00bd"; // U+FFFD as a byte string

    /** One of ftfy's single-byte encodings: its 256 decoded characters and the inverse. */
    private record Charmap(String name, char[] decode, Map<Character, Integer> encode) {
        boolean sloppy() {
            return name.startsWith("sloppy");
        }

        /** chardata.possible_encoding: ASCII but U+001A, or a character some byte 0x80..0xFF or 0x1A decodes to. */
        boolean canEncode(String text) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c < 0x80 && c != 0x1A) continue;
                Integer b = encode.get(c);
                if (b == null || (b < 0x80 && b != 0x1A)) return false;
            }
            return true;
        }

        /** The bytes as a byte string (one char 0..255 per byte); only after {@link #canEncode}. */
        String encodeToByteString(String text) {
            char[] out = new char[text.length()];
            for (int i = 0; i < out.length; i++) out[i] = (char) (int) encode.get(text.charAt(i));
            return new String(out);
        }
    }

    private static final List<Charmap> CHARMAPS = new ArrayList<>();

    static {
        for (String entry : PythonTables.FTFY_CHARMAPS.split(" ")) {
            int eq = entry.indexOf('=');
            String[] hex = entry.substring(eq + 1).split("\\.");
            char[] decode = new char[256];
            Map<Character, Integer> encode = new HashMap<>();
            for (int b = 0; b < 256; b++) {
                decode[b] = (char) Integer.parseInt(hex[b], 16);
                encode.put(decode[b], b);
            }
            CHARMAPS.add(new Charmap(entry.substring(0, eq), decode, encode));
        }
    }

    private MojibakeFixer() {}

    /** ftfy.fix_encoding: one-step fixes until the text stops changing. */
    static String fixEncoding(String text) {
        for (;;) {
            String fixed = fixOneStep(text);
            if (fixed.equals(text)) return text;
            text = fixed;
        }
    }

    private static boolean isBad(String text) {
        return FtfyBadness.isBad(text);
    }

    private static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) >= 0x80) return false;
        }
        return true;
    }

    /** ftfy's _fix_encoding_one_step_and_explain, without the explanation. */
    private static String fixOneStep(String text) {
        if (text.isEmpty() || isAscii(text) || !isBad(text)) return text;
        boolean latin1Possible = false;
        for (Charmap cm : CHARMAPS) {
            if (!cm.canEncode(text)) continue;
            if (cm.name().equals("latin-1")) latin1Possible = true;
            String bytes = cm.encodeToByteString(text);
            if (!cm.name().equals("macroman") && ALTERED_UTF8.matcher(bytes).find()) bytes = restoreByteA0(bytes);
            if (cm.sloppy()) bytes = LOSSY_UTF8.matcher(bytes).replaceAll(UTF8_REPLACEMENT);
            boolean variants = bytes.indexOf('\u00ed') >= 0 || bytes.indexOf('\u00c0') >= 0;
            String decoded = decodeUtf8(bytes, variants);
            if (decoded != null) return decoded;
        }
        if (UTF8_DETECTOR.matcher(text).find()) {
            String fixed = decodeInconsistentUtf8(text);
            if (!fixed.equals(text)) return fixed;
        }
        // ftfy asks whether "windows-1252" is among the possible encodings, a name its list spells
        // "sloppy-windows-1252", so that branch never returns and Latin-1 text is always re-read as Windows-1252.
        if (latin1Possible) {
            String fixed = decodeStrictWindows1252(text);
            if (fixed != null && !fixed.equals(text)) return fixed;
        }
        if (hasC1(text)) return fixC1(text);
        return text;
    }

    /** fixes.restore_byte_a0: spaces that were probably byte A0 inside UTF-8 sequences. */
    private static String restoreByteA0(String bytes) {
        bytes = A_GRAVE_WORD.matcher(bytes).replaceAll("\u00c3\u00a0 ");
        Matcher m = ALTERED_UTF8.matcher(bytes);
        StringBuilder sb = new StringBuilder(bytes.length());
        int copied = 0;
        while (m.find()) {
            sb.append(bytes, copied, m.start()).append(m.group().replace(' ', '\u00a0'));
            copied = m.end();
        }
        return sb.append(bytes, copied, bytes.length()).toString();
    }

    /** fixes.decode_inconsistent_utf8: fix each UTF-8-looking run on its own, if it is bad and not the whole text. */
    private static String decodeInconsistentUtf8(String text) {
        Matcher m = UTF8_DETECTOR.matcher(text);
        StringBuilder sb = new StringBuilder(text.length());
        int copied = 0;
        int textCodePoints = text.codePointCount(0, text.length());
        while (m.find()) {
            String run = m.group();
            boolean shorter = run.codePointCount(0, run.length()) < textCodePoints;
            sb.append(text, copied, m.start()).append(shorter && isBad(run) ? fixEncoding(run) : run);
            copied = m.end();
        }
        return sb.append(text, copied, text.length()).toString();
    }

    /** {@code text.encode("latin-1").decode("windows-1252")}, or null where Python would raise. */
    private static String decodeStrictWindows1252(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c > 0xFF) return null;
            if (c >= 0x80 && c <= 0x9F) {
                if (c == 0x81 || c == 0x8D || c == 0x8F || c == 0x90 || c == 0x9D) return null; // undefined
                c = FtfyFixer.windows1252(c);
            }
            sb.append(c);
        }
        return sb.toString();
    }

    private static boolean hasC1(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 0x80 && c <= 0x9F) return true;
        }
        return false;
    }

    private static String fixC1(String text) {
        char[] out = text.toCharArray();
        for (int i = 0; i < out.length; i++) {
            if (out[i] >= 0x80 && out[i] <= 0x9F) out[i] = FtfyFixer.windows1252(out[i]);
        }
        return new String(out);
    }

    /**
     * Python's strict UTF-8 decoder over a byte string, or null where it would raise. With {@code variants}
     * (ftfy's "utf-8-variants"), also Java's C0 80 for U+0000 and CESU-8 surrogate pairs.
     */
    static String decodeUtf8(String bytes, boolean variants) {
        int n = bytes.length();
        StringBuilder sb = new StringBuilder(n);
        int i = 0;
        while (i < n) {
            int b0 = bytes.charAt(i);
            if (b0 < 0x80) {
                sb.append((char) b0);
                i++;
                continue;
            }
            if (variants && b0 == 0xC0 && i + 1 < n && bytes.charAt(i + 1) == 0x80) {
                sb.append('\0');
                i += 2;
                continue;
            }
            if (variants && b0 == 0xED && i + 1 < n && bytes.charAt(i + 1) >= 0xA0) {
                if (i + 5 < n && inRange(bytes.charAt(i + 1), 0xA0, 0xAF) && inRange(bytes.charAt(i + 2), 0x80, 0xBF)
                        && bytes.charAt(i + 3) == 0xED && inRange(bytes.charAt(i + 4), 0xB0, 0xBF)
                        && inRange(bytes.charAt(i + 5), 0x80, 0xBF)) {
                    int cp = ((bytes.charAt(i + 1) & 0x0F) << 16) + ((bytes.charAt(i + 2) & 0x3F) << 10)
                            + ((bytes.charAt(i + 4) & 0x0F) << 6) + (bytes.charAt(i + 5) & 0x3F) + 0x10000;
                    sb.appendCodePoint(cp);
                    i += 6;
                    continue;
                }
                return null;
            }
            int len, lo = 0x80, hi = 0xBF, cp;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                len = 2;
                cp = b0 & 0x1F;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                len = 3;
                cp = b0 & 0x0F;
                if (b0 == 0xE0) lo = 0xA0;
                if (b0 == 0xED) hi = 0x9F;
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                len = 4;
                cp = b0 & 0x07;
                if (b0 == 0xF0) lo = 0x90;
                if (b0 == 0xF4) hi = 0x8F;
            } else {
                return null;
            }
            if (i + len > n) return null;
            for (int k = 1; k < len; k++) {
                int b = bytes.charAt(i + k);
                if (k == 1 ? !inRange(b, lo, hi) : !inRange(b, 0x80, 0xBF)) return null;
                cp = (cp << 6) | (b & 0x3F);
            }
            sb.appendCodePoint(cp);
            i += len;
        }
        return sb.toString();
    }

    private static boolean inRange(int b, int lo, int hi) {
        return b >= lo && b <= hi;
    }
}
