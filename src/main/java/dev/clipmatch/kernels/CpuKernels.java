package dev.clipmatch.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.CriticalRegion;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of the CPU kernels' C ABI ({@code src/main/cpp/include/clipmatch/kernels.h} and the encoder's
 * layer kernels of {@code layers.h}, plain C symbols).
 * Callers go through {@link CpuBackend}, which checks arguments and turns error codes into exceptions. Java arrays
 * cross JNI as copies, which costs less than allocating native buffers for the many small calls of sampling;
 * {@code @Const} inputs are not copied back.
 */
@Platform(include = {"clipmatch/kernels.h", "clipmatch/layers.h"}, link = "clipmatch_kernels")
public final class CpuKernels {
    static {
        Loader.load();
    }

    private CpuKernels() {}

    public static native @Cast("const char*") String cm_last_error();

    public static native int cm_set_threads(int n);

    public static native int cm_normalize_rows(float[] x, long rows, long dim);

    public static native int cm_similarity(@Const float[] a, long n, @Const float[] b, long m, long dim,
            int normalize, float scale, int softmax, float[] out);

    public static native int cm_rank(@Const float[] queries, long nq, @Const float[] cands, long nc, long dim,
            @Const @Cast("const int64_t*") long[] posOffsets, @Const @Cast("const int64_t*") long[] posIndices, int normalize, @Cast("int64_t*") long[] ranks, @Cast("int64_t*") long[] bestPositive);

    public static native int cm_rank_bidirectional(@Const float[] images, long nImages, @Const float[] texts, long nTexts,
            long dim, @Const @Cast("const int64_t*") long[] textImage, int normalize, @Cast("int64_t*") long[] imageRanks, @Cast("int64_t*") long[] textRanks);

    public static native int cm_rank_block_counts(@Const float[] images, long nImages, long imageOffset, @Const float[] texts, long nTexts,
            long textOffset, long dim, @Const float[] imageBest, @Const @Cast("const int64_t*") long[] imageBestText, @Const float[] textBest,
            @Const @Cast("const int64_t*") long[] textImage, @Cast("int64_t*") long[] imageCounts, @Cast("int64_t*") long[] textCounts);

    public static native int cm_topk(@Const float[] queries, long nq, @Const float[] cands, long nc, long dim, long k,
            int normalize, float[] scores, @Cast("int64_t*") long[] indices);

    /** Short and called per sample: the arrays are pinned rather than copied (the score matrix can be large). */
    @CriticalRegion
    public static native int cm_rank_submatrix(@Const float[] scores, long ld, @Const @Cast("const int64_t*") long[] rows, long nRows,
            @Const @Cast("const int64_t*") long[] cols, long nCols, @Const @Cast("const int64_t*") long[] colImage,
            @Cast("int64_t*") long[] imageRanks, @Cast("int64_t*") long[] textRanks);

    // ---- layers.h: batch-invariant transformer layers (callers: PackedLinear, LayerKernels)

    public static native @Cast("const char*") String cm_linear_isa();

    public static native int cm_linear_packed_size(long out, long in, @Cast("int64_t*") long[] floats);

    public static native int cm_linear_pack(@Const FloatPointer w, long out, long in, FloatPointer packed);

    public static native int cm_linear(@Const FloatPointer x, long rows, long in, @Const FloatPointer packed, @Const FloatPointer bias,
            long out, FloatPointer y);

    public static native int cm_layer_norm(@Const FloatPointer x, long rows, long dim, @Const FloatPointer gamma, @Const FloatPointer beta,
            float eps, FloatPointer y);
}
