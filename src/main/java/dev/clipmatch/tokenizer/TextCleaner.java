package dev.clipmatch.tokenizer;

/**
 * The original's text cleaning: {@code whitespace_clean(basic_clean(text)).lower()}, that is
 * {@code ftfy.fix_text}, {@code html.unescape} twice, whitespace runs collapsed to one space and stripped,
 * Python's lower case.
 */
final class TextCleaner {
    private TextCleaner() {}

    static String clean(String text) {
        String fixed = FtfyFixer.fixText(text);
        String unescaped = HtmlUnescape.pythonUnescape(HtmlUnescape.pythonUnescape(fixed));
        return PythonText.lower(PythonText.collapseWhitespace(unescaped));
    }
}
