package dev.clipmatch.eval;

import dev.clipmatch.io.Progress;
import dev.clipmatch.kernels.ScoreBackend.BidirectionalRanks;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The study's sampled protocol: draw N images without replacement together with all their captions, score
 * recall inside that subset, repeat. Iteration i of size N always draws the same subset for a given seed,
 * whatever the thread count, so runs are reproducible and two models can be compared on identical samples.
 */
public final class SampledProtocol {
    private final ScoreSource source;
    private final int[] captionOffsets;
    private final int[] captionMembers;

    public SampledProtocol(ScoreSource source) {
        this.source = source;
        int n = source.images();
        long[] map = source.captionImage();
        captionOffsets = new int[n + 1];
        for (long g : map) captionOffsets[(int) g + 1]++;
        for (int i = 0; i < n; i++) captionOffsets[i + 1] += captionOffsets[i];
        captionMembers = new int[map.length];
        int[] fill = captionOffsets.clone();
        for (int c = 0; c < map.length; c++) captionMembers[fill[(int) map[c]]++] = c;
    }

    /** The images of sample {@code iteration} of size {@code size}, sorted (Floyd's algorithm: uniform, O(size)). */
    public int[] drawImages(int size, int iteration, long seed) {
        return drawImages(source.images(), size, iteration, seed);
    }

    /** Sample {@code iteration} of {@code size} of {@code n} images: the draw every protocol run makes. */
    public static int[] drawImages(int n, int size, int iteration, long seed) {
        return distinctSorted(new SplittableRandom(mix(seed, size, iteration)), n, size);
    }

    /** {@code size} distinct indices of [0, population), sorted (Floyd's algorithm: uniform, O(size)). */
    public static int[] distinctSorted(SplittableRandom rng, int population, int size) {
        java.util.BitSet chosen = new java.util.BitSet(population);
        int[] out = new int[size];
        int k = 0;
        for (int j = population - size; j < population; j++) {
            int t = rng.nextInt(j + 1);
            int pick = chosen.get(t) ? j : t;
            chosen.set(pick);
            out[k++] = pick;
        }
        Arrays.sort(out);
        return out;
    }

    private static long mix(long seed, int size, int iteration) {
        long h = seed * 0x9E3779B97F4A7C15L + size;
        h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + iteration;
        return h ^ (h >>> 29);
    }

    /** Ranks of both directions inside sample {@code iteration}. */
    public BidirectionalRanks ranks(int size, int iteration, long seed) {
        int[] images = drawImages(size, iteration, seed);
        int total = 0;
        for (int img : images) total += captionOffsets[img + 1] - captionOffsets[img];
        long[] packed = new long[total];
        int k = 0;
        for (int local = 0; local < images.length; local++) {
            int img = images[local];
            for (int p = captionOffsets[img]; p < captionOffsets[img + 1]; p++) packed[k++] = ((long) captionMembers[p] << 32) | local;
        }
        Arrays.sort(packed); // caption order, as in the full set, for the tie rule
        int[] captions = new int[total], localImage = new int[total];
        for (int c = 0; c < total; c++) {
            captions[c] = (int) (packed[c] >>> 32);
            localImage[c] = (int) packed[c];
        }
        return source.subsetRanks(images, captions, localImage);
    }

    public SampledResult run(int size, int iterations, long seed, int[] ks, PrintStream progressOut) {
        if (size < 1 || size > source.images())
            throw new IllegalArgumentException("sample size " + size + " is outside [1, " + source.images() + "]");
        if (iterations < 1) throw new IllegalArgumentException("iterations must be at least 1");
        List<String> names = metricNames(ks);
        double[][] i2t = new double[names.size()][iterations], t2i = new double[names.size()][iterations];
        double[] rsum = new double[iterations];
        // A sample of every image is the full set whatever the draw: score it once.
        RankMetrics[] everything = size == source.images() ? metrics(ranks(size, 0, seed), ks) : null;
        try (Progress progress = new Progress(progressOut, "sampled " + size + " images", "iterations", iterations, 2.0)) {
            IntStream.range(0, iterations).parallel().forEach(it -> {
                RankMetrics[] r = everything != null ? everything : metrics(ranks(size, it, seed), ks);
                int m = 0;
                for (double v : r[0].named().values()) i2t[m++][it] = v;
                m = 0;
                for (double v : r[1].named().values()) t2i[m++][it] = v;
                rsum[it] = r[0].recallSum() + r[1].recallSum();
                progress.add(1);
            });
        }
        return new SampledResult(size, iterations, seed, stats(names, i2t), stats(names, t2i), SampledResult.Stat.of(rsum));
    }

    private static RankMetrics[] metrics(BidirectionalRanks r, int[] ks) {
        return new RankMetrics[] {RankMetrics.of(r.imageRanks(), ks), RankMetrics.of(r.textRanks(), ks)};
    }

    private static List<String> metricNames(int[] ks) {
        return List.copyOf(RankMetrics.of(new long[] {0}, ks).named().keySet());
    }

    private static Map<String, SampledResult.Stat> stats(List<String> names, double[][] values) {
        Map<String, SampledResult.Stat> out = new LinkedHashMap<>();
        for (int m = 0; m < names.size(); m++) out.put(names.get(m), SampledResult.Stat.of(values[m]));
        return out;
    }
}
