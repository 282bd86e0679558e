package dev.clipmatch.image;

import java.util.function.DoubleUnaryOperator;

/**
 * One axis of Pillow's separable resampling, for a window of output indices: which source pixels each output
 * index reads and with which weights, computed as Pillow's {@code precompute_coeffs} then
 * {@code normalize_coeffs_8bpc} do (double arithmetic in the same order, then fixed point with
 * {@link #PRECISION_BITS} fraction bits). Java's strict IEEE doubles give the same weights as Pillow's C.
 *
 * @param bounds for output index i of the window: first source pixel {@code bounds[2i]}, count {@code bounds[2i+1]}
 * @param coeffs fixed-point weights, {@code taps} per output index (unused ones zero)
 * @param taps the stride of {@code coeffs}
 */
record ResamplePass(int[] bounds, int[] coeffs, int taps) {

    static final int PRECISION_BITS = 32 - 8 - 2;

    /** Pillow's filters: a kernel and its support at scale 1. */
    enum Filter {
        BICUBIC(2.0, Filter::bicubic),
        BILINEAR(1.0, x -> {
            x = Math.abs(x);
            return x < 1.0 ? 1.0 - x : 0.0;
        });

        final double support;
        final DoubleUnaryOperator kernel;

        Filter(double support, DoubleUnaryOperator kernel) {
            this.support = support;
            this.kernel = kernel;
        }

        static Filter of(PreprocessConfig.Interpolation interpolation) {
            return switch (interpolation) {
                case BICUBIC -> BICUBIC;
                case BILINEAR -> BILINEAR;
            };
        }

        /** Keys' cubic convolution with a = -0.5, written as Pillow evaluates it. */
        private static double bicubic(double x) {
            final double a = -0.5;
            if (x < 0.0) x = -x;
            if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
            if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
            return 0.0;
        }
    }

    /** Output indices [from, from + count) of a resize from inSize to outSize pixels along one axis. */
    static ResamplePass of(Filter filter, long inSize, long outSize, long from, int count) {
        double scale = (double) inSize / outSize;  // Pillow: (in1 - in0) / outSize with the whole image as box
        double filterScale = Math.max(scale, 1.0);  // antialiasing: the kernel widens when shrinking
        double support = filter.support * filterScale;
        int taps = (int) Math.ceil(support) * 2 + 1;
        int[] bounds = new int[2 * count];
        int[] coeffs = new int[count * taps];
        double[] k = new double[taps];
        double ss = 1.0 / filterScale;
        for (int i = 0; i < count; i++) {
            double center = (from + i + 0.5) * scale;
            int xmin = (int) (center - support + 0.5);
            if (xmin < 0) xmin = 0;
            int xmax = (int) (center + support + 0.5);
            if (xmax > inSize) xmax = (int) inSize;
            xmax -= xmin;
            double ww = 0.0;
            for (int x = 0; x < xmax; x++) {
                double w = filter.kernel.applyAsDouble((x + xmin - center + 0.5) * ss);
                k[x] = w;
                ww += w;
            }
            for (int x = 0; x < xmax; x++) {
                double w = ww != 0.0 ? k[x] / ww : k[x];
                coeffs[i * taps + x] = (int) (w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
            }
            bounds[2 * i] = xmin;
            bounds[2 * i + 1] = xmax;
        }
        return new ResamplePass(bounds, coeffs, taps);
    }

    /** Pillow skips a pass whose size does not change; one unit tap per index reproduces that exactly. */
    static ResamplePass identity(long from, int count) {
        int[] bounds = new int[2 * count];
        int[] coeffs = new int[count];
        for (int i = 0; i < count; i++) {
            bounds[2 * i] = (int) (from + i);
            bounds[2 * i + 1] = 1;
            coeffs[i] = 1 << PRECISION_BITS;
        }
        return new ResamplePass(bounds, coeffs, 1);
    }
}
