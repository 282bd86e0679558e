package dev.clipmatch.eval;

import java.util.Map;

/**
 * Summary of one sampled protocol (N images with all their captions, drawn {@code iterations} times): per
 * metric the mean, sample standard deviation and 95% confidence interval of the mean.
 */
public record SampledResult(int images, int iterations, long seed, Map<String, Stat> imageToText,
        Map<String, Stat> textToImage, Stat rsum) {

    /** Mean, sample standard deviation (n - 1) and 95% Student-t interval of the mean. */
    public record Stat(double mean, double std, double ciLow, double ciHigh) {

        public static Stat of(double[] values) {
            int n = values.length;
            double mean = 0;
            for (double v : values) mean += v;
            mean /= n;
            double ss = 0;
            for (double v : values) ss += (v - mean) * (v - mean);
            double std = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
            double half = n > 1 ? StudentT.quantile975(n - 1) * std / Math.sqrt(n) : 0;
            return new Stat(mean, std, mean - half, mean + half);
        }
    }
}
