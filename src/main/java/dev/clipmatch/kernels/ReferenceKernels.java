package dev.clipmatch.kernels;

import java.util.Arrays;

/**
 * Plain-Java implementation of kernels.h: the oracle that every native kernel is tested against, written for
 * clarity (no tiling, no threads). Scores follow the canonical order bit for bit: 16 lanes of fused
 * multiply-adds, then the pairwise lane reduction; norms accumulate in double.
 */
public final class ReferenceKernels implements ScoreBackend {

    @Override
    public String name() {
        return "java-reference";
    }

    /** The canonical score of kernels.h. */
    public static float dot(float[] x, int xOffset, float[] y, int yOffset, int dim) {
        float[] lane = new float[16];
        int padded = (dim + 15) / 16 * 16;
        for (int i = 0; i < padded; i++) {
            float a = i < dim ? x[xOffset + i] : 0f;
            float b = i < dim ? y[yOffset + i] : 0f;
            lane[i % 16] = Math.fma(a, b, lane[i % 16]);
        }
        for (int width = 8; width >= 1; width /= 2) {
            for (int l = 0; l < width; l++) lane[l] += lane[l + width];
        }
        return lane[0];
    }

    /** Row / ||row||, the norm accumulated in double; a zero or non-finite row is an error. */
    public static Embeddings normalized(Embeddings e) {
        float[] out = new float[e.data().length];
        // rows are independent, so a parallel loop gives the same bits
        int bad = java.util.stream.IntStream.range(0, e.rows()).parallel().filter(r -> {
            double sum = 0;
            for (int i = 0; i < e.dim(); i++) {
                double v = e.data()[r * e.dim() + i];
                sum += v * v;
            }
            double norm = Math.sqrt(sum);
            if (!(norm > 0) || Double.isInfinite(norm)) return true;
            for (int i = 0; i < e.dim(); i++) out[r * e.dim() + i] = (float) (e.data()[r * e.dim() + i] / norm);
            return false;
        }).min().orElse(-1);
        if (bad >= 0) throw new IllegalArgumentException("row " + bad + " has a zero or non-finite norm");
        return new Embeddings(out, e.rows(), e.dim());
    }

    @Override
    public void normalizeRows(Embeddings e) {
        System.arraycopy(normalized(e).data(), 0, e.data(), 0, e.data().length);
    }

    private static float score(Embeddings a, int i, Embeddings b, int j) {
        return dot(a.data(), i * a.dim(), b.data(), j * b.dim(), a.dim());
    }

    @Override
    public float[] similarity(Embeddings a, Embeddings b, boolean normalize, float scale, boolean softmax) {
        Embeddings qa = normalize ? normalized(a) : a, qb = normalize ? normalized(b) : b;
        int n = a.rows(), m = b.rows();
        float[] out = new float[n * m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) out[i * m + j] = score(qa, i, qb, j) * scale;
            if (softmax) {
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < m; j++) max = Math.max(max, out[i * m + j]);
                double sum = 0;
                for (int j = 0; j < m; j++) sum += Math.exp((double) out[i * m + j] - max);
                for (int j = 0; j < m; j++) out[i * m + j] = (float) (Math.exp((double) out[i * m + j] - max) / sum);
            }
        }
        return out;
    }

    /** Rank of positive {@code best} (score {@code threshold}) among all scores of one query. */
    static long rankOf(float[] scores, float threshold, long best) {
        long rank = 0;
        for (int j = 0; j < scores.length; j++) {
            if (scores[j] > threshold || (scores[j] == threshold && j < best)) rank++;
        }
        return rank;
    }

    @Override
    public long[] rank(Embeddings queries, Embeddings candidates, long[] posOffsets, long[] posIndices, boolean normalize) {
        Embeddings q = normalize ? normalized(queries) : queries, c = normalize ? normalized(candidates) : candidates;
        long[] ranks = new long[q.rows()];
        float[] row = new float[c.rows()];
        for (int i = 0; i < q.rows(); i++) {
            for (int j = 0; j < c.rows(); j++) row[j] = score(q, i, c, j);
            long best = -1;
            for (long p = posOffsets[i]; p < posOffsets[i + 1]; p++) {
                int j = (int) posIndices[(int) p];
                if (best < 0 || row[j] > row[(int) best] || (row[j] == row[(int) best] && j < best)) best = j;
            }
            ranks[i] = rankOf(row, row[(int) best], best);
        }
        return ranks;
    }

    @Override
    public BidirectionalRanks rankBidirectional(Embeddings images, Embeddings texts, long[] textImage, boolean normalize) {
        int n = images.rows(), m = texts.rows();
        long[] offsets = new long[n + 1];
        for (long g : textImage) offsets[(int) g + 1]++;
        for (int i = 0; i < n; i++) offsets[i + 1] += offsets[i];
        long[] members = new long[m];
        long[] fill = Arrays.copyOf(offsets, n);
        for (int t = 0; t < m; t++) members[(int) fill[(int) textImage[t]]++] = t;
        long[] imageRanks = rank(images, texts, offsets, members, normalize);
        long[] single = new long[m + 1];
        for (int t = 0; t <= m; t++) single[t] = t;
        long[] textRanks = rank(texts, images, single, textImage, normalize);
        return new BidirectionalRanks(imageRanks, textRanks);
    }

    @Override
    public TopK topk(Embeddings queries, Embeddings candidates, int k, boolean normalize) {
        Embeddings q = normalize ? normalized(queries) : queries, c = normalize ? normalized(candidates) : candidates;
        float[] scores = new float[q.rows() * k];
        long[] indices = new long[q.rows() * k];
        for (int i = 0; i < q.rows(); i++) {
            final int qi = i;
            Integer[] order = new Integer[c.rows()];
            float[] row = new float[c.rows()];
            for (int j = 0; j < c.rows(); j++) {
                order[j] = j;
                row[j] = score(q, qi, c, j);
            }
            // IEEE comparisons (not Float.compare) so that -0 and +0 tie, as in C++.
            Arrays.sort(order, (x, y) -> row[x] > row[y] ? -1 : row[x] < row[y] ? 1 : Integer.compare(x, y));
            for (int r = 0; r < k; r++) {
                scores[i * k + r] = row[order[r]];
                indices[i * k + r] = order[r];
            }
        }
        return new TopK(scores, indices, q.rows(), k);
    }

    /** Oracle of the native rankSubmatrix: ranks inside a sub-matrix of a dense score matrix. */
    @Override
    public BidirectionalRanks rankSubmatrix(float[] scores, long ld, int[] rows, int[] cols, int[] colImage) {
        int n = rows.length, m = cols.length;
        long[] imageRanks = new long[n], textRanks = new long[m];
        for (int i = 0; i < n; i++) {
            long base = rows[i] * ld;
            int best = -1;
            for (int c = 0; c < m; c++) {
                if (colImage[c] == i && (best < 0 || scores[(int) (base + cols[c])] > scores[(int) (base + cols[best])])) best = c;
            }
            float bestScore = scores[(int) (base + cols[best])];
            for (int c = 0; c < m; c++) {
                float s = scores[(int) (base + cols[c])];
                if (s > bestScore || (s == bestScore && c < best)) imageRanks[i]++;
                float own = scores[(int) (rows[colImage[c]] * ld + cols[c])];
                if (s > own || (s == own && i < colImage[c])) textRanks[c]++;
            }
        }
        return new BidirectionalRanks(imageRanks, textRanks);
    }

    /** Oracle of {@link CpuBackend#rankBlockCounts}: per-block counts of candidates that outrank each query's threshold. */
    public static BidirectionalRanks rankBlockCounts(Embeddings images, long imageOffset, Embeddings texts, long textOffset, float[] imageBest,
            long[] imageBestText, float[] textBest, long[] textImage) {
        long[] imageCounts = new long[images.rows()], textCounts = new long[texts.rows()];
        for (int i = 0; i < images.rows(); i++) {
            for (int t = 0; t < texts.rows(); t++) {
                float s = score(images, i, texts, t);
                if (s > imageBest[i] || (s == imageBest[i] && textOffset + t < imageBestText[i])) imageCounts[i]++;
                if (s > textBest[t] || (s == textBest[t] && imageOffset + i < textImage[t])) textCounts[t]++;
            }
        }
        return new BidirectionalRanks(imageCounts, textCounts);
    }
}
