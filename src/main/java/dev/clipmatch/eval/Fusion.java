package dev.clipmatch.eval;

/**
 * Score fusion (the study's "combine global and local" idea): each score matrix is z-normalised over all its
 * entries, then mixed as (1 - w) * z(a) + w * z(b).
 */
public final class Fusion {
    private Fusion() {}

    public static MatrixSource fuse(MatrixSource a, MatrixSource b, double weight) {
        if (!(weight >= 0 && weight <= 1)) throw new IllegalArgumentException("fusion weight must be in [0, 1], got " + weight);
        if (a.images() != b.images() || a.captions() != b.captions())
            throw new IllegalArgumentException("cannot fuse a " + a.images() + "x" + a.captions() + " matrix with a " + b.images() + "x" + b.captions() + " one");
        float[] za = zscores(a.scores()), zb = zscores(b.scores());
        float[] out = new float[za.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) ((1 - weight) * za[i] + weight * zb[i]);
        return new MatrixSource(out, a.images(), a.captions(), a.captionImage());
    }

    static float[] zscores(float[] s) {
        double sum = 0, sq = 0;
        for (float v : s) sum += v;
        double mean = sum / s.length;
        for (float v : s) sq += (v - mean) * (v - mean);
        double std = Math.sqrt(sq / s.length);
        float[] z = new float[s.length];
        for (int i = 0; i < s.length; i++) z[i] = (float) (std > 0 ? (s[i] - mean) / std : 0);
        return z;
    }
}
