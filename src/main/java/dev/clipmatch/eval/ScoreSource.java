package dev.clipmatch.eval;

import dev.clipmatch.kernels.ScoreBackend.BidirectionalRanks;

/**
 * Where image x caption scores come from: a model's embeddings (scored by the kernels) or an exported score
 * matrix. Every score of a pair is the same number in the full-set pass and in any sample.
 */
public interface ScoreSource {
    int images();

    int captions();

    /** Caption -> image index. */
    long[] captionImage();

    /** Ranks of both directions over the full set. */
    BidirectionalRanks fullRanks();

    /**
     * Ranks inside a subset: {@code images} and {@code captions} are sorted global indices, and
     * {@code captionLocalImage[c]} is the position in {@code images} of caption c's image.
     */
    BidirectionalRanks subsetRanks(int[] images, int[] captions, int[] captionLocalImage);
}
