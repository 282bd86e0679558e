package dev.clipmatch.eval;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Retrieval metrics of one direction from 0-based ranks: R@K = 100 * mean(rank < K), mean rank = mean(rank) + 1,
 * median rank = floor(median(rank)) + 1 (open_clip / NAAF conventions).
 */
public record RankMetrics(Map<Integer, Double> recall, double meanRank, double medianRank) {

    public static RankMetrics of(long[] ranks, int[] ks) {
        if (ranks.length == 0) throw new IllegalArgumentException("no ranks");
        Map<Integer, Double> recall = new LinkedHashMap<>();
        for (int k : ks) {
            long hits = 0;
            for (long r : ranks) if (r < k) hits++;
            recall.put(k, 100.0 * hits / ranks.length);
        }
        double sum = 0;
        for (long r : ranks) sum += r;
        long[] sorted = ranks.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
        return new RankMetrics(recall, sum / n + 1, Math.floor(median) + 1);
    }

    /** The metric values by report name: "R@K"..., "mean_rank", "median_rank". */
    public Map<String, Double> named() {
        Map<String, Double> out = new LinkedHashMap<>();
        recall.forEach((k, v) -> out.put("R@" + k, v));
        out.put("mean_rank", meanRank);
        out.put("median_rank", medianRank);
        return out;
    }

    public double recallSum() {
        return recall.values().stream().mapToDouble(Double::doubleValue).sum();
    }
}
