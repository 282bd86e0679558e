package dev.clipmatch.kernels;

import org.bytedeco.javacpp.FloatPointer;

/** Layer norm in one fixed order per row (native cm_layer_norm): a row's result depends on that row alone. */
public final class LayerNorms {
    private LayerNorms() {}

    /** y [rows][dim] = layer norm of each row of x with gamma and beta [dim]; y may be x. */
    public static void apply(FloatPointer x, long rows, long dim, FloatPointer gamma, FloatPointer beta, float eps, FloatPointer y) {
        PackedLinear.check(CpuKernels.cm_layer_norm(x, rows, dim, gamma, beta, eps, y));
    }

    /** As {@link #apply} on Java arrays. */
    public static float[] apply(float[] x, long rows, long dim, float[] gamma, float[] beta, float eps) {
        if (x.length != rows * dim || gamma.length != dim || beta.length != dim)
            throw new IllegalArgumentException("expected " + rows + " x " + dim + " floats and " + dim + "-float gamma and beta");
        try (FloatPointer xp = new FloatPointer(x); FloatPointer g = new FloatPointer(gamma); FloatPointer b = new FloatPointer(beta)) {
            apply(xp, rows, dim, g, b, eps, xp);
            float[] y = new float[x.length];
            xp.get(y);
            return y;
        }
    }
}
