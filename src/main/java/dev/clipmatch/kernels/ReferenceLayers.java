package dev.clipmatch.kernels;

/** Plain-Java oracle of the layer kernels (clipmatch/layers.h): the same operations in the same order, bit for bit. */
public final class ReferenceLayers {
    private ReferenceLayers() {}

    /** y[r][o] = (fma chain over k = 0.. of x[r][k] * w[o][k], from +0) + bias[o] (bias may be null). */
    public static float[] linear(float[] x, int rows, int in, float[] w, float[] bias, int out) {
        float[] y = new float[rows * out];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < out; o++) {
                float acc = 0f;
                for (int k = 0; k < in; k++) acc = Math.fma(x[r * in + k], w[o * in + k], acc);
                y[r * out + o] = bias != null ? acc + bias[o] : acc;
            }
        return y;
    }

    /** Per row: mean and variance as 8-lane double sums combined pairwise, then (x - mean) / sqrt(var + eps) * gamma + beta. */
    public static float[] layerNorm(float[] x, int rows, int dim, float[] gamma, float[] beta, float eps) {
        float[] y = new float[rows * dim];
        for (int r = 0; r < rows; r++) {
            int at = r * dim;
            double[] lane = new double[8];
            for (int k = 0; k < dim; k++) lane[k % 8] += x[at + k];
            double mean = pairwise(lane) / dim;
            lane = new double[8];
            for (int k = 0; k < dim; k++) {
                double d = x[at + k] - mean;
                lane[k % 8] += d * d;
            }
            double rstd = 1.0 / Math.sqrt(pairwise(lane) / dim + (double) eps);
            for (int k = 0; k < dim; k++) y[at + k] = (float) ((x[at + k] - mean) * rstd * gamma[k] + beta[k]);
        }
        return y;
    }

    private static double pairwise(double[] lane) {
        for (int l = 0; l < 4; l++) lane[l] += lane[l + 4];
        for (int l = 0; l < 2; l++) lane[l] += lane[l + 2];
        return lane[0] + lane[1];
    }
}
