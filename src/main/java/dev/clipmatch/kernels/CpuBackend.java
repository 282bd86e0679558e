package dev.clipmatch.kernels;

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
        KernelErrors.check(code, CpuKernels::cm_last_error, "native kernels");
    }

    @Override
    public void normalizeRows(Embeddings e) {
        check(CpuKernels.cm_normalize_rows(e.data(), e.rows(), e.dim()));
    }

    @Override
    public float[] similarity(Embeddings a, Embeddings b, boolean normalize, float scale, boolean softmax) {
        KernelErrors.requireSameDim(a, b);
        float[] out = new float[Math.multiplyExact(a.rows(), b.rows())];
        check(CpuKernels.cm_similarity(a.data(), a.rows(), b.data(), b.rows(), a.dim(), normalize ? 1 : 0, scale, softmax ? 1 : 0, out));
        return out;
    }

    @Override
    public long[] rank(Embeddings queries, Embeddings candidates, long[] posOffsets, long[] posIndices, boolean normalize) {
        KernelErrors.requireSameDim(queries, candidates);
        if (posOffsets.length != queries.rows() + 1) throw new IllegalArgumentException("positive offsets need one entry per query plus one");
        if (posOffsets[queries.rows()] > posIndices.length) throw new IllegalArgumentException("positive offsets run past the indices");
        long[] ranks = new long[queries.rows()];
        check(CpuKernels.cm_rank(queries.data(), queries.rows(), candidates.data(), candidates.rows(), queries.dim(), posOffsets, posIndices,
                normalize ? 1 : 0, ranks, null));
        return ranks;
    }

    @Override
    public BidirectionalRanks rankBidirectional(Embeddings images, Embeddings texts, long[] textImage, boolean normalize) {
        KernelErrors.requireSameDim(images, texts);
        if (textImage.length != texts.rows()) throw new IllegalArgumentException("need one image index per text");
        long[] imageRanks = new long[images.rows()], textRanks = new long[texts.rows()];
        check(CpuKernels.cm_rank_bidirectional(images.data(), images.rows(), texts.data(), texts.rows(), images.dim(), textImage,
                normalize ? 1 : 0, imageRanks, textRanks));
        return new BidirectionalRanks(imageRanks, textRanks);
    }

    @Override
    public TopK topk(Embeddings queries, Embeddings candidates, int k, boolean normalize) {
        KernelErrors.requireSameDim(queries, candidates);
        if (k < 1 || k > candidates.rows()) throw new IllegalArgumentException("k = " + k + " is outside [1, " + candidates.rows() + "]");
        int n = Math.multiplyExact(queries.rows(), k);
        float[] scores = new float[n];
        long[] indices = new long[n];
        check(CpuKernels.cm_topk(queries.data(), queries.rows(), candidates.data(), candidates.rows(), queries.dim(), k, normalize ? 1 : 0,
                scores, indices));
        return new TopK(scores, indices, queries.rows(), k);
    }

    /**
     * Ranks of both directions inside a sub-matrix of a dense score matrix (see cm_rank_submatrix): image rows
     * {@code rows} and text columns {@code cols}, both increasing, {@code colImage} the local row of each text's image.
     */
    public static BidirectionalRanks rankSubmatrix(float[] scores, long ld, int[] rows, int[] cols, int[] colImage) {
        long[] r = new long[rows.length], c = new long[cols.length], g = new long[cols.length];
        for (int i = 0; i < rows.length; i++) r[i] = rows[i];
        for (int j = 0; j < cols.length; j++) {
            c[j] = cols[j];
            g[j] = colImage[j];
        }
        long[] imageRanks = new long[rows.length], textRanks = new long[cols.length];
        check(CpuKernels.cm_rank_submatrix(scores, ld, r, rows.length, c, cols.length, g, imageRanks, textRanks));
        return new BidirectionalRanks(imageRanks, textRanks);
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
        check(CpuKernels.cm_rank_block_counts(images.data(), images.rows(), imageOffset, texts.data(), texts.rows(), textOffset, images.dim(),
                imageBest, imageBestText, textBest, textImage, imageCounts, textCounts));
        return new BidirectionalRanks(imageCounts, textCounts);
    }
}
