package dev.clipmatch.eval;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.util.List;
import java.util.Map;

/**
 * The JSON contract of {@code eval --json} and of report.json: full-set metrics per direction (R@K, mean_rank,
 * median_rank), rsum, and per sample size the mean, sample std and 95% interval of each; when comparing with
 * another model's scores also "external", "comparison" (paired differences) and "fused".
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EvalJson(int images, int captions, Map<String, Double> imageToText, Map<String, Double> textToImage, double rsum,
        List<Sampled> sampled, EvalJson external, List<Paired> comparison, Fused fused) {

    public record Sampled(int images, int iterations, long seed, Map<String, Stat> imageToText, Map<String, Stat> textToImage, Stat rsum) {}

    public record Stat(double mean, double std, double[] ci95) {}

    /** A paired difference (A - B) over identical samples, and how often each side won. */
    public record Diff(double mean, double std, double[] ci95, int aWins, int bWins, int ties) {}

    public record Paired(int images, int iterations, long seed, Map<String, Diff> imageToText, Map<String, Diff> textToImage, Diff rsum) {}

    /** The evaluation of (1 - weight) z(CLIP) + weight z(other). */
    public record Fused(double weight, @JsonUnwrapped EvalJson evaluation) {}

    /** The same report with the comparison blocks added. */
    EvalJson withComparison(EvalJson external, List<Paired> comparison, Fused fused) {
        return new EvalJson(images, captions, imageToText, textToImage, rsum, sampled, external, comparison, fused);
    }
}
