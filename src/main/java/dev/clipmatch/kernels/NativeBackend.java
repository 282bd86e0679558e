package dev.clipmatch.kernels;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.UnsupportedFeatureException;
import java.util.function.Supplier;

/**
 * What the native backends share: argument checks, output allocation and the mapping of the status codes of
 * {@code clipmatch/status.h} to exceptions, once for every device. A subclass supplies only the native calls
 * (on arguments already checked) and its last-error function.
 */
public abstract class NativeBackend implements ScoreBackend {
    private final String label;
    private final Supplier<String> lastError;
    private final int maxK;

    /** {@code label} names the kernels in messages; {@code maxK} is the largest top-K the device supports. */
    protected NativeBackend(String label, Supplier<String> lastError, int maxK) {
        this.label = label;
        this.lastError = lastError;
        this.maxK = maxK;
    }

    protected abstract int nativeNormalizeRows(Embeddings e);

    protected abstract int nativeSimilarity(Embeddings a, Embeddings b, int normalize, float scale, int softmax, float[] out);

    protected abstract int nativeRank(Embeddings queries, Embeddings candidates, long[] posOffsets, long[] posIndices, int normalize,
            long[] ranks);

    protected abstract int nativeRankBidirectional(Embeddings images, Embeddings texts, long[] textImage, int normalize,
            long[] imageRanks, long[] textRanks);

    protected abstract int nativeTopk(Embeddings queries, Embeddings candidates, int k, int normalize, float[] scores, long[] indices);

    protected abstract int nativeRankSubmatrix(float[] scores, long ld, long[] rows, long[] cols, long[] colImage, long[] imageRanks,
            long[] textRanks);

    /** Throws for a non-zero status code, with the library's message for the calling thread. */
    protected final void throwOnError(int code) {
        KernelErrors.check(code, lastError, label);
    }

    @Override
    public final void normalizeRows(Embeddings e) {
        throwOnError(nativeNormalizeRows(e));
    }

    @Override
    public final float[] similarity(Embeddings a, Embeddings b, boolean normalize, float scale, boolean softmax) {
        KernelErrors.requireSameDim(a, b);
        float[] out = new float[Math.multiplyExact(a.rows(), b.rows())];
        throwOnError(nativeSimilarity(a, b, normalize ? 1 : 0, scale, softmax ? 1 : 0, out));
        return out;
    }

    @Override
    public final long[] rank(Embeddings queries, Embeddings candidates, long[] posOffsets, long[] posIndices, boolean normalize) {
        KernelErrors.requireSameDim(queries, candidates);
        if (posOffsets.length != queries.rows() + 1) throw new IllegalArgumentException("positive offsets need one entry per query plus one");
        if (posOffsets[queries.rows()] > posIndices.length) throw new IllegalArgumentException("positive offsets run past the indices");
        long[] ranks = new long[queries.rows()];
        throwOnError(nativeRank(queries, candidates, posOffsets, posIndices, normalize ? 1 : 0, ranks));
        return ranks;
    }

    @Override
    public final BidirectionalRanks rankBidirectional(Embeddings images, Embeddings texts, long[] textImage, boolean normalize) {
        KernelErrors.requireSameDim(images, texts);
        if (textImage.length != texts.rows()) throw new IllegalArgumentException("need one image index per text");
        long[] imageRanks = new long[images.rows()], textRanks = new long[texts.rows()];
        throwOnError(nativeRankBidirectional(images, texts, textImage, normalize ? 1 : 0, imageRanks, textRanks));
        return new BidirectionalRanks(imageRanks, textRanks);
    }

    @Override
    public final TopK topk(Embeddings queries, Embeddings candidates, int k, boolean normalize) {
        KernelErrors.requireSameDim(queries, candidates);
        if (k < 1 || k > candidates.rows()) throw new IllegalArgumentException("k = " + k + " is outside [1, " + candidates.rows() + "]");
        if (k > maxK)
            throw new UnsupportedFeatureException("k = " + k + " is above the " + label + "' limit of " + maxK, ClipMatchException.Remedy.CPU_DEVICE);
        int n = Math.multiplyExact(queries.rows(), k);
        float[] scores = new float[n];
        long[] indices = new long[n];
        throwOnError(nativeTopk(queries, candidates, k, normalize ? 1 : 0, scores, indices));
        return new TopK(scores, indices, queries.rows(), k);
    }

    @Override
    public final BidirectionalRanks rankSubmatrix(float[] scores, long ld, int[] rows, int[] cols, int[] colImage) {
        if (colImage.length != cols.length) throw new IllegalArgumentException("need one image row per text column");
        long[] r = new long[rows.length], c = new long[cols.length], g = new long[cols.length];
        for (int i = 0; i < rows.length; i++) r[i] = rows[i];
        for (int j = 0; j < cols.length; j++) {
            c[j] = cols[j];
            g[j] = colImage[j];
        }
        long[] imageRanks = new long[rows.length], textRanks = new long[cols.length];
        throwOnError(nativeRankSubmatrix(scores, ld, r, c, g, imageRanks, textRanks));
        return new BidirectionalRanks(imageRanks, textRanks);
    }
}
