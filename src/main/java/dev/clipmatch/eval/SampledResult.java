package dev.clipmatch.eval;

import java.util.Map;

/**
 * Summary of one sampled protocol (N images with all their captions, drawn {@code iterations} times): per
 * metric the mean, sample standard deviation and 95% confidence interval of the mean.
 */
public record SampledResult(int images, int iterations, long seed, Map<String, Stat> imageToText,
        Map<String, Stat> textToImage, Stat rsum) {

    /**
     * Mean, sample standard deviation (n - 1) and 95% Student-t interval of the mean. With one value the
     * deviation and the interval are undefined: NaN (null in JSON, "undefined" in tables), never a false 0.
     */
    public record Stat(double mean, double std, double ciLow, double ciHigh) {

        /** False for a single value: no spread can be estimated. */
        public boolean spreadDefined() {
            return !Double.isNaN(std);
        }

        public static Stat of(double[] values) {
            int n = values.length;
            double mean = 0;
            for (double v : values) mean += v;
            mean /= n;
            double ss = 0;
            for (double v : values) ss += (v - mean) * (v - mean);
            double std = n > 1 ? Math.sqrt(ss / (n - 1)) : Double.NaN;
            double half = n > 1 ? StudentT.quantile975(n - 1) * std / Math.sqrt(n) : Double.NaN;
            return new Stat(mean, std, mean - half, mean + half);
        }
    }
}
