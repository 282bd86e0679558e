package dev.clipmatch.kernels;

import org.bytedeco.javacpp.FloatPointer;

/**
 * A linear layer y = x·Wᵀ + b whose weight is packed once (K-major panels of 16 output columns) for cm_linear:
 * each output element is one fixed FMA chain over k, so a row's result depends on that row alone, whatever rows
 * share the call, where it falls in the kernel's tiles, or which instruction set runs (clipmatch/layers.h). Runs on
 * the calling thread; safe to share between threads (the packed weight is only read).
 */
public final class PackedLinear {
    private final FloatPointer packed;
    private final FloatPointer bias;
    private final long out, in;

    private PackedLinear(FloatPointer packed, FloatPointer bias, long out, long in) {
        this.packed = packed;
        this.bias = bias;
        this.out = out;
        this.in = in;
    }

    /**
     * Packs a weight [out][in] (row-major, nn.Linear's layout) and copies the bias [out] (null: none). The copies
     * outlive any PointerScope open at the time: a model packs its weights once and uses them for every batch.
     */
    public static PackedLinear pack(FloatPointer weight, FloatPointer bias, long out, long in) {
        long[] size = new long[1];
        check(CpuKernels.cm_linear_packed_size(out, in, size));
        FloatPointer packed = new FloatPointer(size[0]);
        packed.retainReference();
        check(CpuKernels.cm_linear_pack(weight, out, in, packed));
        FloatPointer b = null;
        if (bias != null) {
            b = new FloatPointer(out);
            b.retainReference();
            org.bytedeco.javacpp.Pointer.memcpy(b, bias, out * Float.BYTES);
        }
        return new PackedLinear(packed, b, out, in);
    }

    /** As {@link #pack(FloatPointer, FloatPointer, long, long)} from Java arrays. */
    public static PackedLinear pack(float[] weight, float[] bias, long out, long in) {
        if (weight.length != out * in || (bias != null && bias.length != out))
            throw new IllegalArgumentException("weight must be " + out + " x " + in + " and bias " + out + " floats");
        try (FloatPointer w = new FloatPointer(weight); FloatPointer b = bias == null ? null : new FloatPointer(bias)) {
            return pack(w, b, out, in);
        }
    }

    /** y [rows][out] = x [rows][in] · Wᵀ + b; both pointers must hold that many floats. */
    public void apply(FloatPointer x, long rows, FloatPointer y) {
        check(CpuKernels.cm_linear(x, rows, in, packed, bias, out, y));
    }

    /** As {@link #apply(FloatPointer, long, FloatPointer)} on Java arrays. */
    public float[] apply(float[] x, long rows) {
        if (x.length != rows * in) throw new IllegalArgumentException("expected " + rows + " x " + in + " floats, got " + x.length);
        try (FloatPointer xp = new FloatPointer(x); FloatPointer yp = new FloatPointer(rows * out)) {
            apply(xp, rows, yp);
            float[] y = new float[Math.toIntExact(rows * out)];
            yp.get(y);
            return y;
        }
    }

    public long out() {
        return out;
    }

    public long in() {
        return in;
    }

    /** The instruction set the kernel uses on this CPU (the same machine always picks the same one). */
    public static String isa() {
        return CpuKernels.cm_linear_isa();
    }

    static void check(int code) {
        KernelErrors.check(code, CpuKernels::cm_last_error, "cpu");
    }
}
