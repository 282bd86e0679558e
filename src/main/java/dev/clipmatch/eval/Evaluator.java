package dev.clipmatch.eval;

import dev.clipmatch.kernels.ScoreBackend.BidirectionalRanks;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** Full-set recall in both directions plus any number of sampled protocols over one score source. */
public final class Evaluator {
    /** Largest score matrix (in floats) that is precomputed to serve many samples: 1 GiB. */
    static final long MATRIX_LIMIT = (1L << 28);
    /** Fixed cost of scoring one sample separately (gather, JNI call, buffers), in multiply-add equivalents. */
    static final double PER_SAMPLE_OVERHEAD = 2e6;

    private Evaluator() {}

    public static Evaluation evaluate(ScoreSource source, int[] ks, int[] sampleSizes, int iterations, long seed, PrintStream progress) {
        BidirectionalRanks full = source.fullRanks();
        RankMetrics i2t = RankMetrics.of(full.imageRanks(), ks), t2i = RankMetrics.of(full.textRanks(), ks);
        List<SampledResult> sampled = new ArrayList<>();
        if (sampleSizes.length > 0) {
            ScoreSource sampler = samplerFor(source, sampleSizes, iterations);
            SampledProtocol protocol = new SampledProtocol(sampler);
            for (int size : sampleSizes) sampled.add(protocol.run(size, iterations, seed, ks, progress));
        }
        return new Evaluation(source.images(), source.captions(), i2t, t2i, sampled);
    }

    /**
     * Samples score their own rows, unless all the samples together would cost more than scoring the full matrix
     * once and that matrix fits the budget; the scores are bit-identical either way.
     */
    public static ScoreSource samplerFor(ScoreSource source, int[] sizes, int iterations) {
        if (!(source instanceof EmbeddingSource emb)) return source;
        double perImage = (double) source.captions() / source.images();
        double sampleCost = 0;
        for (int n : sizes) sampleCost += iterations * (emb.subsetCost(n, (int) Math.ceil(n * perImage)) + PER_SAMPLE_OVERHEAD);
        boolean fits = (long) source.images() * source.captions() <= MATRIX_LIMIT
                && 4L * source.images() * source.captions() < Runtime.getRuntime().maxMemory() / 3;
        return fits && sampleCost > emb.fullCost() ? emb.toMatrix() : source;
    }
}
