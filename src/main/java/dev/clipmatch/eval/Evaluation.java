package dev.clipmatch.eval;

import java.util.List;

/** The result of an evaluation: full-set metrics in both directions and any sampled protocols. */
public record Evaluation(int images, int captions, RankMetrics imageToText, RankMetrics textToImage,
        List<SampledResult> sampled) {

    /** Sum of the recalls of both directions (with the default K = 1, 5, 10: the six recalls). */
    public double rsum() {
        return imageToText.recallSum() + textToImage.recallSum();
    }
}
