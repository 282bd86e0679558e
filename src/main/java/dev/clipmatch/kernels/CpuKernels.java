package dev.clipmatch.kernels;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Namespace;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of the CPU kernels' C ABI ({@code src/main/cpp/include/clipmatch/kernels.h}).
 * Callers go through {@link CpuBackend}, which checks arguments and turns error codes into exceptions.
 */
@Platform(include = "clipmatch/kernels.h", link = "clipmatch_kernels")
@Namespace("clipmatch")
public final class CpuKernels {
    static {
        Loader.load();
    }

    private CpuKernels() {}

    public static native @Cast("const char*") String cm_last_error();

    public static native int cm_set_threads(int n);

    public static native int cm_normalize_rows(FloatPointer x, long rows, long dim);

    public static native int cm_similarity(FloatPointer a, long n, FloatPointer b, long m, long dim,
            int normalize, float scale, int softmax, FloatPointer out);

    public static native int cm_rank(FloatPointer queries, long nq, FloatPointer cands, long nc, long dim,
            @Cast("const int64_t*") LongPointer posOffsets, @Cast("const int64_t*") LongPointer posIndices, int normalize, @Cast("int64_t*") LongPointer ranks, @Cast("int64_t*") LongPointer bestPositive);

    public static native int cm_rank_bidirectional(FloatPointer images, long nImages, FloatPointer texts, long nTexts,
            long dim, @Cast("const int64_t*") LongPointer textImage, int normalize, @Cast("int64_t*") LongPointer imageRanks, @Cast("int64_t*") LongPointer textRanks);

    public static native int cm_topk(FloatPointer queries, long nq, FloatPointer cands, long nc, long dim, long k,
            int normalize, FloatPointer scores, @Cast("int64_t*") LongPointer indices);
}
