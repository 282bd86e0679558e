package dev.clipmatch.kernels;

/**
 * The scoring kernels of kernels.h behind one interface, one implementation per device (CPU always; CUDA when
 * built with the gpu profile and a GPU is present). Semantics (canonical scores, ranks, tie rules) are those of
 * {@code src/main/cpp/include/clipmatch/kernels.h}; {@link ReferenceKernels} is the plain-Java oracle.
 */
public interface ScoreBackend {

    /** Ranks of both retrieval directions. */
    record BidirectionalRanks(long[] imageRanks, long[] textRanks) {}

    /** Top-k per query, [queries][k] flattened, best first. */
    record TopK(float[] scores, long[] indices, int queries, int k) {}

    String name();

    /** In place: each row becomes row / ||row|| (the norm accumulated in double); a zero or non-finite row is an error naming it. */
    void normalizeRows(Embeddings e);

    /** [a.rows][b.rows] scores, times {@code scale}, optionally row-softmaxed. */
    float[] similarity(Embeddings a, Embeddings b, boolean normalize, float scale, boolean softmax);

    /** 0-based rank of each query's best positive; positives of query q are posIndices[posOffsets[q]..posOffsets[q+1]). */
    long[] rank(Embeddings queries, Embeddings candidates, long[] posOffsets, long[] posIndices, boolean normalize);

    /** Image->text and text->image ranks in one pass; text t belongs to image textImage[t]. */
    BidirectionalRanks rankBidirectional(Embeddings images, Embeddings texts, long[] textImage, boolean normalize);

    TopK topk(Embeddings queries, Embeddings candidates, int k, boolean normalize);

    /**
     * Ranks of both directions inside a sub-matrix of a dense score matrix (row-major, leading dimension {@code ld}):
     * image rows {@code rows} and text columns {@code cols}, both increasing, {@code colImage} the local row of each
     * text's image; the sampled protocol's inner step.
     */
    BidirectionalRanks rankSubmatrix(float[] scores, long ld, int[] rows, int[] cols, int[] colImage);
}
