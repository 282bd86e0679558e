package dev.clipmatch.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;

/** The native CPU kernels (always available): checks shapes, moves data across JNI, maps error codes to exceptions. */
public final class CpuBackend implements ScoreBackend {

    public CpuBackend() {}

    /** Worker threads of the native kernels (n <= 0: one per core); returns the count in use. */
    public static int setThreads(int n) {
        return CpuKernels.cm_set_threads(n);
    }

    @Override
    public String name() {
        return "cpu";
    }

    static void check(int code) {
        if (code == 0) return;
        String message = CpuKernels.cm_last_error();
        if (code == 1) throw new IllegalArgumentException(message);
        if (code == 2) throw new OutOfMemoryError("native kernels: " + message);
        throw new IllegalStateException("native kernels (code " + code + "): " + message);
    }

    static void sameDim(Embeddings a, Embeddings b) {
        if (a.dim() != b.dim()) throw new IllegalArgumentException("dimension mismatch: " + a.dim() + " vs " + b.dim());
        if (a.rows() < 1 || b.rows() < 1) throw new IllegalArgumentException("empty embeddings");
    }

    @Override
    public float[] similarity(Embeddings a, Embeddings b, boolean normalize, float scale, boolean softmax) {
        sameDim(a, b);
        float[] out = new float[Math.multiplyExact(a.rows(), b.rows())];
        try (FloatPointer pa = new FloatPointer(a.data()); FloatPointer pb = new FloatPointer(b.data());
                FloatPointer po = new FloatPointer(out.length)) {
            check(CpuKernels.cm_similarity(pa, a.rows(), pb, b.rows(), a.dim(), normalize ? 1 : 0, scale, softmax ? 1 : 0, po));
            po.get(out);
        }
        return out;
    }

    @Override
    public long[] rank(Embeddings queries, Embeddings candidates, long[] posOffsets, long[] posIndices, boolean normalize) {
        sameDim(queries, candidates);
        if (posOffsets.length != queries.rows() + 1) throw new IllegalArgumentException("positive offsets need one entry per query plus one");
        if (posOffsets[queries.rows()] > posIndices.length) throw new IllegalArgumentException("positive offsets run past the indices");
        long[] ranks = new long[queries.rows()];
        try (FloatPointer q = new FloatPointer(queries.data()); FloatPointer c = new FloatPointer(candidates.data());
                LongPointer off = new LongPointer(posOffsets); LongPointer idx = new LongPointer(posIndices);
                LongPointer out = new LongPointer(ranks.length)) {
            check(CpuKernels.cm_rank(q, queries.rows(), c, candidates.rows(), queries.dim(), off, idx, normalize ? 1 : 0, out, null));
            out.get(ranks);
        }
        return ranks;
    }

    @Override
    public BidirectionalRanks rankBidirectional(Embeddings images, Embeddings texts, long[] textImage, boolean normalize) {
        sameDim(images, texts);
        if (textImage.length != texts.rows()) throw new IllegalArgumentException("need one image index per text");
        long[] imageRanks = new long[images.rows()], textRanks = new long[texts.rows()];
        try (FloatPointer im = new FloatPointer(images.data()); FloatPointer tx = new FloatPointer(texts.data());
                LongPointer map = new LongPointer(textImage); LongPointer ir = new LongPointer(imageRanks.length);
                LongPointer tr = new LongPointer(textRanks.length)) {
            check(CpuKernels.cm_rank_bidirectional(im, images.rows(), tx, texts.rows(), images.dim(), map, normalize ? 1 : 0, ir, tr));
            ir.get(imageRanks);
            tr.get(textRanks);
        }
        return new BidirectionalRanks(imageRanks, textRanks);
    }

    @Override
    public TopK topk(Embeddings queries, Embeddings candidates, int k, boolean normalize) {
        sameDim(queries, candidates);
        if (k < 1 || k > candidates.rows()) throw new IllegalArgumentException("k = " + k + " is outside [1, " + candidates.rows() + "]");
        int n = Math.multiplyExact(queries.rows(), k);
        float[] scores = new float[n];
        long[] indices = new long[n];
        try (FloatPointer q = new FloatPointer(queries.data()); FloatPointer c = new FloatPointer(candidates.data());
                FloatPointer s = new FloatPointer(n); LongPointer ix = new LongPointer(n)) {
            check(CpuKernels.cm_topk(q, queries.rows(), c, candidates.rows(), queries.dim(), k, normalize ? 1 : 0, s, ix));
            s.get(scores);
            ix.get(indices);
        }
        return new TopK(scores, indices, queries.rows(), k);
    }
}
