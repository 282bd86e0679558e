package dev.clipmatch.kernels;

/** The native CPU kernels (always available); argument checks and error mapping are {@link NativeBackend}'s. */
public final class CpuBackend extends NativeBackend {

    public CpuBackend() {
        super("native kernels", CpuKernels::cm_last_error, Integer.MAX_VALUE);
    }

    /** Worker threads of the native kernels (n <= 0: one per core); returns the count in use. */
    public static int setThreads(int n) {
        return CpuKernels.cm_set_threads(n);
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    protected int nativeNormalizeRows(Embeddings e) {
        return CpuKernels.cm_normalize_rows(e.data(), e.rows(), e.dim());
    }

    @Override
    protected int nativeSimilarity(Embeddings a, Embeddings b, int normalize, float scale, int softmax, float[] out) {
        return CpuKernels.cm_similarity(a.data(), a.rows(), b.data(), b.rows(), a.dim(), normalize, scale, softmax, out);
    }

    @Override
    protected int nativeRank(Embeddings queries, Embeddings candidates, long[] posOffsets, long[] posIndices, int normalize, long[] ranks) {
        return CpuKernels.cm_rank(queries.data(), queries.rows(), candidates.data(), candidates.rows(), queries.dim(), posOffsets,
                posIndices, normalize, ranks, null);
    }

    @Override
    protected int nativeRankBidirectional(Embeddings images, Embeddings texts, long[] textImage, int normalize, long[] imageRanks,
            long[] textRanks) {
        return CpuKernels.cm_rank_bidirectional(images.data(), images.rows(), texts.data(), texts.rows(), images.dim(), textImage,
                normalize, imageRanks, textRanks);
    }

    @Override
    protected int nativeTopk(Embeddings queries, Embeddings candidates, int k, int normalize, float[] scores, long[] indices) {
        return CpuKernels.cm_topk(queries.data(), queries.rows(), candidates.data(), candidates.rows(), queries.dim(), k, normalize,
                scores, indices);
    }

    @Override
    protected int nativeRankSubmatrix(float[] scores, long ld, long[] rows, long[] cols, long[] colImage, long[] imageRanks,
            long[] textRanks) {
        return CpuKernels.cm_rank_submatrix(scores, ld, rows, rows.length, cols, cols.length, colImage, imageRanks, textRanks);
    }
}
