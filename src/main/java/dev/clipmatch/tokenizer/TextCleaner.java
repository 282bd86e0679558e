package dev.clipmatch.tokenizer;

/**
 * The original's text cleaning: {@code whitespace_clean(basic_clean(text)).lower()}, that is
 * {@code ftfy.fix_text}, {@code html.unescape} twice, whitespace runs collapsed to one space and stripped,
 * Python's lower case.
 */
final class TextCleaner {
    private TextCleaner() {}

    /**
     * The cleaned text when cleaning reduces to lower case, else null. That is the case for printable ASCII
     * (and \t \n \f \r) without '&amp;', nearly every caption: ftfy and html.unescape change nothing, and
     * collapsing whitespace does not change where the split pattern cuts, so the whitespace may stay.
     */
    static char[] plainLowerCase(String text) {
        int n = text.length();
        char[] lower = new char[n];
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r') || c > 0x7E || c == '&') return null;
            lower[i] = c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
        }
        return lower;
    }

    static String clean(String text) {
        return PythonText.lower(PythonText.collapseWhitespace(basicClean(text)));
    }

    /** open_clip's {@code basic_clean} without its strip (every caller collapses whitespace after it). */
    static String basicClean(String text) {
        String fixed = FtfyFixer.fixText(text);
        return HtmlUnescape.pythonUnescape(HtmlUnescape.pythonUnescape(fixed));
    }
}
