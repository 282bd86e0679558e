package dev.clipmatch.eval;

import dev.clipmatch.kernels.ScoreBackend.BidirectionalRanks;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Two models on identical samples: for every sample the metric of model A minus that of model B, summarised as
 * mean, std and 95% interval of the difference, plus how often each model wins (recall: higher is better;
 * ranks: lower is better).
 */
public record PairedComparison(int images, int iterations, long seed, Map<String, Diff> imageToText, Map<String, Diff> textToImage, Diff rsum) {

    public record Diff(SampledResult.Stat difference, int aWins, int bWins, int ties) {}

    public static PairedComparison run(ScoreSource a, ScoreSource b, int size, int iterations, long seed, int[] ks) {
        if (a.images() != b.images() || a.captions() != b.captions())
            throw new IllegalArgumentException("the two models score different sets: " + a.images() + "x" + a.captions() + " vs " + b.images() + "x" + b.captions());
        SampledProtocol pa = new SampledProtocol(a), pb = new SampledProtocol(b);
        List<String> names = List.copyOf(RankMetrics.of(new long[] {0}, ks).named().keySet());
        double[][][] va = new double[2][names.size() + 1][iterations], vb = new double[2][names.size() + 1][iterations];
        IntStream.range(0, iterations).parallel().forEach(it -> {
            fill(pa.ranks(size, it, seed), ks, va, it);
            fill(pb.ranks(size, it, seed), ks, vb, it);
        });
        Map<String, Diff> i2t = new LinkedHashMap<>(), t2i = new LinkedHashMap<>();
        for (int m = 0; m < names.size(); m++) {
            boolean higherBetter = names.get(m).startsWith("R@");
            i2t.put(names.get(m), diff(va[0][m], vb[0][m], higherBetter));
            t2i.put(names.get(m), diff(va[1][m], vb[1][m], higherBetter));
        }
        int last = names.size();
        double[] rsumA = new double[iterations], rsumB = new double[iterations];
        for (int it = 0; it < iterations; it++) {
            rsumA[it] = va[0][last][it] + va[1][last][it];
            rsumB[it] = vb[0][last][it] + vb[1][last][it];
        }
        return new PairedComparison(size, iterations, seed, i2t, t2i, diff(rsumA, rsumB, true));
    }

    /** values[direction][metric][iteration]; the extra last metric slot holds the direction's recall sum. */
    private static void fill(BidirectionalRanks r, int[] ks, double[][][] values, int it) {
        RankMetrics[] dirs = {RankMetrics.of(r.imageRanks(), ks), RankMetrics.of(r.textRanks(), ks)};
        for (int d = 0; d < 2; d++) {
            int m = 0;
            for (double v : dirs[d].named().values()) values[d][m++][it] = v;
            values[d][m][it] = dirs[d].recallSum();
        }
    }

    private static Diff diff(double[] a, double[] b, boolean higherBetter) {
        double[] d = new double[a.length];
        int aWins = 0, bWins = 0, ties = 0;
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
            if (d[i] == 0) ties++;
            else if ((d[i] > 0) == higherBetter) aWins++;
            else bWins++;
        }
        return new Diff(SampledResult.Stat.of(d), aWins, bWins, ties);
    }
}
