package dev.clipmatch.eval;

/** The 97.5% quantile of Student's t distribution, for two-sided 95% confidence intervals. */
final class StudentT {
    private StudentT() {}

    /** Bisection on the exact two-sided probability P(|T| <= t) for integer degrees of freedom. */
    static double quantile975(int df) {
        if (df < 1) throw new IllegalArgumentException("degrees of freedom must be positive");
        double lo = 0, hi = 64;
        for (int i = 0; i < 100; i++) {
            double mid = (lo + hi) / 2;
            if (twoSided(mid, df) < 0.95) lo = mid;
            else hi = mid;
        }
        return (lo + hi) / 2;
    }

    /** P(|T| <= t) by the finite series of Abramowitz and Stegun 26.7.3 (odd df) and 26.7.4 (even df). */
    static double twoSided(double t, int df) {
        double theta = Math.atan(t / Math.sqrt(df));
        double s = Math.sin(theta), c2 = Math.cos(theta) * Math.cos(theta);
        if (df % 2 == 0) {
            double term = 1, sum = 1;
            for (int k = 2; k <= df - 2; k += 2) {
                term *= c2 * (k - 1) / k;
                sum += term;
            }
            return s * sum;
        }
        if (df == 1) return 2 * theta / Math.PI;
        double c = Math.cos(theta), term = c, sum = c;
        for (int k = 3; k <= df - 2; k += 2) {
            term *= c2 * (k - 1) / k;
            sum += term;
        }
        return 2 / Math.PI * (theta + s * sum);
    }
}
