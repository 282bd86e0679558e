package dev.clipmatch.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Python behaviours the tokenizer reproduces; expected values are what CPython 3.11 / ftfy 6.3.1 return. */
class PythonSemanticsTest {
    @Test
    void htmlUnescapeFollowsPython() {
        assertEquals("&", HtmlUnescape.pythonUnescape("&amp;"));
        assertEquals("&", HtmlUnescape.pythonUnescape("&amp"));
        assertEquals("&x", HtmlUnescape.pythonUnescape("&ampx"));
        assertEquals("\u00acit;", HtmlUnescape.pythonUnescape("&notit;"));
        assertEquals("\u2209", HtmlUnescape.pythonUnescape("&notin;"));
        assertEquals("AAA", HtmlUnescape.pythonUnescape("&#65;&#x41;&#X41"));
        assertEquals("\uFFFD\u20AC\u009D\uFFFD\uFFFD", HtmlUnescape.pythonUnescape("&#0;&#128;&#x9d;&#xD800;&#1114112;&#1;&#xfffe;"));
        assertEquals("&#;&#x;&", HtmlUnescape.pythonUnescape("&#;&#x;&"));
        assertEquals("&EACUTE;", HtmlUnescape.pythonUnescape("&EACUTE;"));
        assertEquals("\uFFFD", HtmlUnescape.pythonUnescape("&#99999999999999999999;"));
        assertEquals("<>", HtmlUnescape.pythonUnescape("&lt&gt"));
        assertEquals("&", HtmlUnescape.pythonUnescape("&AMP;"));
        assertEquals("&Amp;", HtmlUnescape.pythonUnescape("&Amp;"));
        assertEquals("\u00BDx", HtmlUnescape.pythonUnescape("&frac12x"));
    }

    @Test
    void ftfyUnescapeIsStricter() {
        assertEquals("&amp", HtmlUnescape.ftfyUnescape("&amp"));
        assertEquals("&notit;", HtmlUnescape.ftfyUnescape("&notit;"));
        assertEquals("AA&#X41", HtmlUnescape.ftfyUnescape("&#65;&#x41;&#X41"));
        assertEquals("\u00C9", HtmlUnescape.ftfyUnescape("&EACUTE;"));
        assertEquals("&lt&gt", HtmlUnescape.ftfyUnescape("&lt&gt"));
        assertEquals("\u00BD", HtmlUnescape.ftfyUnescape("&frac12;"));
    }

    @Test
    void lowerHasPythonsFinalSigmaAndSpecialCases() {
        assertEquals("\u03bf\u03b4\u03bf\u03c2 \u03c3 a\u03c3b a\u03c2. a\u03c3's",
                PythonText.lower("\u039f\u0394\u039f\u03a3 \u03a3 a\u03a3b a\u03a3. a\u03a3's"));
        assertEquals("i\u0307", PythonText.lower("\u0130"));
        assertEquals("\u01c6", PythonText.lower("\u01c4"));
        assertEquals("\uD801\uDC28", PythonText.lower("\uD801\uDC00")); // Deseret, outside the BMP
    }

    @Test
    void whitespaceIsPythonsIsspace() {
        assertEquals("a b c d", PythonText.collapseWhitespace(" a\u00a0\u3000b\u001c\u0085c\u2028\u000bd "));
        assertEquals("a\u200bb", PythonText.collapseWhitespace("a\u200bb")); // ZERO WIDTH SPACE is not whitespace
    }

    @Test
    void splitClassesFollowTheRegexModule() {
        assertEquals(PythonText.LETTER, PythonText.classOf('\u00aa'));
        assertEquals(PythonText.NUMBER, PythonText.classOf('\u00bd'));
        assertEquals(PythonText.NUMBER, PythonText.classOf(0x1D7CE));
        assertEquals(PythonText.SYMBOL, PythonText.classOf('\u0301'));
        assertEquals(PythonText.SYMBOL, PythonText.classOf(0x1F600));
        assertEquals(PythonText.SPACE, PythonText.classOf('\u3000'));
        assertEquals(PythonText.SYMBOL, PythonText.classOf('\u001c')); // isspace() in Python, but not the regex module's \s
    }

    /** Byte strings (one char per byte) as ftfy's "utf-8-variants" and Python's strict UTF-8 decode them. */
    @Test
    void utf8DecodingIsStrictWithFtfysVariants() {
        assertEquals("\uD83D\uDE00", MojibakeFixer.decodeUtf8("\u00ed\u00a0\u00bd\u00ed\u00b8\u0080", true)); // CESU-8
        assertEquals("a\0b", MojibakeFixer.decodeUtf8("a\u00c0\u0080b", true)); // Java's modified UTF-8 NUL
        assertEquals(null, MojibakeFixer.decodeUtf8("a\u00c0\u0080b", false));
        assertEquals(null, MojibakeFixer.decodeUtf8("\u00ed\u00a0\u0080", true)); // a lone surrogate
        assertEquals(null, MojibakeFixer.decodeUtf8("\u00c0\u00af", true)); // overlong
        assertEquals(null, MojibakeFixer.decodeUtf8("\u00f4\u0090\u0080\u0080", true)); // beyond U+10FFFF
        assertEquals(null, MojibakeFixer.decodeUtf8("\u00e0\u0080\u0080", true));
        assertEquals("\uD7FF", MojibakeFixer.decodeUtf8("\u00ed\u009f\u00bf", true));
        assertEquals("\uD83D\uDE00", MojibakeFixer.decodeUtf8("\u00f0\u009f\u0098\u0080", false));
    }

    @Test
    void ftfyRepairsMojibakeAsFixText() {
        assertEquals("\uD83D\uDE00 smile", FtfyFixer.fixText("\u00ed\u00a0\u00bd\u00ed\u00b8\u0080 smile"));
        assertEquals("caf\u00e9", FtfyFixer.fixText("caf\u00c3\u00a9"));
        assertEquals("\u00c5ngstr\u00f6m", FtfyFixer.fixText("\u00c5ngstr\u00f6m"));
    }
}
