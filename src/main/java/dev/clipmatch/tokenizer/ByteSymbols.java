package dev.clipmatch.tokenizer;

/**
 * GPT-2's reversible byte-to-character table ({@code bytes_to_unicode}): printable Latin-1 bytes stand for
 * themselves, the other 68 bytes for U+0100 onwards, so BPE never sees whitespace or control characters.
 */
final class ByteSymbols {
    /** The bytes in the table's order: the vocabulary's first 256 ids follow it. */
    private static final int[] ORDER = new int[256];
    private static final char[] SYMBOL = new char[256];

    static {
        boolean[] printable = new boolean[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            printable[b] = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            if (printable[b]) {
                ORDER[n++] = b;
                SYMBOL[b] = (char) b;
            }
        }
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            if (!printable[b]) {
                ORDER[n++] = b;
                SYMBOL[b] = (char) (256 + extra++);
            }
        }
    }

    private ByteSymbols() {}

    /** The character that stands for byte {@code b} (0..255). */
    static char symbol(int b) {
        return SYMBOL[b];
    }

    /** The byte at position {@code i} of the table's order. */
    static int byteAt(int i) {
        return ORDER[i];
    }
}
