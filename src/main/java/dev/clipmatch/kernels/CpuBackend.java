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

    /**
     * One block of a distributed rank (see cm_rank_block_counts): for each image of the block, the texts of the
     * block that outrank its best positive ({@code imageBest}, at global text index {@code imageBestText}); for
     * each text, the images of the block that outrank its own image ({@code textBest}, at global image index
     * {@code textImage}). Offsets are the blocks' first global indices; rows are used as given.
     */
    public static BidirectionalRanks rankBlockCounts(Embeddings images, long imageOffset, Embeddings texts, long textOffset, float[] imageBest,
            long[] imageBestText, float[] textBest, long[] textImage) {
        KernelErrors.requireSameDim(images, texts);
        if (imageBest.length != images.rows() || imageBestText.length != images.rows())
            throw new IllegalArgumentException("need one best positive per image of the block");
        if (textBest.length != texts.rows() || textImage.length != texts.rows())
            throw new IllegalArgumentException("need one own-image score and index per text of the block");
        long[] imageCounts = new long[images.rows()], textCounts = new long[texts.rows()];
        KernelErrors.check(CpuKernels.cm_rank_block_counts(images.data(), images.rows(), imageOffset, texts.data(), texts.rows(), textOffset, images.dim(),
                imageBest, imageBestText, textBest, textImage, imageCounts, textCounts), CpuKernels::cm_last_error, "native kernels");
        return new BidirectionalRanks(imageCounts, textCounts);
    }
}
