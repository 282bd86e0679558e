package dev.clipmatch.eval;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * CLIP and an external model's score matrix under the identical protocol: both evaluations, the paired
 * comparison at every sample size and, with a weight, the evaluation of the fused scores.
 */
public record Comparison(Evaluation clip, Evaluation external, List<PairedComparison> paired, Evaluation fused, double fuseWeight) {

    public static Comparison run(EmbeddingSource clip, MatrixSource external, Double fuseWeight, int[] ks, int[] sizes, int iterations,
            long seed, PrintStream progress) {
        if (clip.images() != external.images() || clip.captions() != external.captions())
            throw new IllegalArgumentException("the score matrix is " + external.images() + " x " + external.captions() + " but the embeddings give "
                    + clip.images() + " images and " + clip.captions() + " captions");
        Evaluation a = Evaluator.evaluate(clip, ks, sizes, iterations, seed, progress);
        Evaluation b = Evaluator.evaluate(external, ks, sizes, iterations, seed, progress);
        MatrixSource clipMatrix = clip.toMatrix();
        List<PairedComparison> paired = new ArrayList<>();
        for (int n : sizes) paired.add(PairedComparison.run(clipMatrix, external, n, iterations, seed, ks));
        Evaluation fused = fuseWeight == null ? null
                : Evaluator.evaluate(Fusion.fuse(clipMatrix, external, fuseWeight), ks, sizes, iterations, seed, progress);
        return new Comparison(a, b, paired, fused, fuseWeight == null ? Double.NaN : fuseWeight);
    }

    /** The eval JSON of CLIP, with "external", "comparison" and "fused" blocks added. */
    public EvalJson json() {
        return EvalReport.json(clip).withComparison(EvalReport.json(external), EvalReport.comparisonJson(paired),
                fused == null ? null : new EvalJson.Fused(fuseWeight, EvalReport.json(fused)));
    }
}
