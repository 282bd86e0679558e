package dev.clipmatch.eval;

import dev.clipmatch.kernels.ScoreBackend.BidirectionalRanks;
import java.util.stream.IntStream;

/**
 * Ranks of both directions from a dense image x caption score matrix (row-major, leading dimension {@code ld}),
 * restricted to the given rows and columns, with the rank and tie rules of kernels.h.
 */
final class MatrixRanks {
    private MatrixRanks() {}

    /**
     * @param rows global row index of each local image, increasing
     * @param cols global column index of each local caption, increasing
     * @param colImage local image of each local caption
     */
    static BidirectionalRanks compute(float[] scores, long ld, int[] rows, int[] cols, int[] colImage, boolean parallel) {
        int n = rows.length, m = cols.length;
        // Local positives of each image (CSR), and each caption's threshold = its score with its own image.
        int[] offsets = new int[n + 1];
        for (int img : colImage) offsets[img + 1]++;
        for (int i = 0; i < n; i++) offsets[i + 1] += offsets[i];
        int[] members = new int[m];
        int[] fill = offsets.clone();
        for (int c = 0; c < m; c++) members[fill[colImage[c]]++] = c;
        float[] captionThreshold = new float[m];
        for (int c = 0; c < m; c++) captionThreshold[c] = scores[(int) (rows[colImage[c]] * ld + cols[c])];

        long[] imageRanks = new long[n];
        long[] textRanks = new long[m];
        int chunks = parallel ? Math.min(n, Runtime.getRuntime().availableProcessors() * 4) : 1;
        long[][] partial = new long[chunks][];
        IntStream range = IntStream.range(0, chunks);
        (parallel ? range.parallel() : range).forEach(chunk -> {
            long[] counts = new long[m];
            for (int i = chunk * n / chunks, end = (chunk + 1) * n / chunks; i < end; i++) {
                long base = rows[i] * ld;
                int best = -1;
                float bestScore = 0;
                for (int p = offsets[i]; p < offsets[i + 1]; p++) {
                    float s = scores[(int) (base + cols[members[p]])];
                    if (best < 0 || s > bestScore) { // members are increasing, so ties keep the lower index
                        best = members[p];
                        bestScore = s;
                    }
                }
                long rank = 0;
                // Non-short-circuit operators: scores beat thresholds at random, so branches would mispredict.
                for (int c = 0; c < m; c++) {
                    float s = scores[(int) (base + cols[c])];
                    rank += (s > bestScore) | ((s == bestScore) & (c < best)) ? 1 : 0;
                    float th = captionThreshold[c];
                    counts[c] += (s > th) | ((s == th) & (i < colImage[c])) ? 1 : 0;
                }
                imageRanks[i] = rank;
            }
            partial[chunk] = counts;
        });
        for (long[] counts : partial) for (int c = 0; c < m; c++) textRanks[c] += counts[c];
        return new BidirectionalRanks(imageRanks, textRanks);
    }
}
