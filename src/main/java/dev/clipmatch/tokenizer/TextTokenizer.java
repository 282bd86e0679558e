package dev.clipmatch.tokenizer;

/** Text to the token ids a CLIP text tower reads: OpenAI's byte-pair encoder or a Hugging Face tokenizer. */
public interface TextTokenizer {
    /**
     * The ids of a text, at most {@code contextLength} (rows shorter than it are zero-padded by the caller): a longer
     * text is a {@link dev.clipmatch.TextTooLongException} naming it, unless {@code truncate}.
     */
    int[] encode(String text, int contextLength, boolean truncate);

    /** Zero-padded {@code [texts.size(), contextLength]} ids, ready for the text encoder. */
    default TokenBatch batch(java.util.List<String> texts, int contextLength, boolean truncate) {
        int rows = texts.size();
        long[] ids = new long[Math.multiplyExact(rows, contextLength)];
        int[] lengths = new int[rows];
        for (int r = 0; r < rows; r++) {
            int[] row = encode(texts.get(r), contextLength, truncate);
            lengths[r] = row.length;
            for (int k = 0; k < row.length; k++) ids[r * contextLength + k] = row[k];
        }
        return new TokenBatch(ids, rows, contextLength, lengths);
    }
}
