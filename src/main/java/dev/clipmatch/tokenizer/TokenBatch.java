package dev.clipmatch.tokenizer;

/**
 * Token ids of several texts for the text encoder: row-major {@code [rows, contextLength]}, zero-padded.
 * {@code lengths[r]} counts row r's ids including start and end tokens, so a model may trim to max(lengths).
 */
public record TokenBatch(long[] ids, int rows, int contextLength, int[] lengths) {
    /** The longest row, in ids. */
    public int maxLength() {
        int max = 0;
        for (int len : lengths) max = Math.max(max, len);
        return max;
    }
}
