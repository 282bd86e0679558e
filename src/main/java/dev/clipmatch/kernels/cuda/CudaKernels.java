package dev.clipmatch.kernels.cuda;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of the CUDA kernels' host-pointer C ABI ({@code src/main/cpp/include/clipmatch/kernels_cuda.h}),
 * built only by the {@code gpu} Maven profile. Loading this class loads libclipmatch_cuda (static CUDA runtime;
 * the driver is looked up only when a function runs), so only {@link CudaBackend} touches it, and only when
 * {@code --device} asks for CUDA. Callers go through {@link CudaBackend}, which turns error codes into exceptions.
 */
@Platform(include = "clipmatch/kernels_cuda.h", link = "clipmatch_cuda")
public final class CudaKernels {
    static {
        Loader.load();
    }

    private CudaKernels() {}

    public static native @Cast("const char*") String cm_cuda_last_error();

    public static native int cm_cuda_device_count(IntPointer count);

    public static native int cm_cuda_set_device(int device);

    public static native int cm_cuda_device_name(@Cast("char*") BytePointer buf, int len);

    public static native int cm_cuda_normalize_rows(FloatPointer x, long rows, long dim);

    public static native int cm_cuda_similarity(FloatPointer a, long n, FloatPointer b, long m, long dim,
            int normalize, float scale, int softmax, FloatPointer out);

    public static native int cm_cuda_rank(FloatPointer queries, long nq, FloatPointer cands, long nc, long dim,
            @Cast("const int64_t*") LongPointer posOffsets, @Cast("const int64_t*") LongPointer posIndices,
            int normalize, @Cast("int64_t*") LongPointer ranks, @Cast("int64_t*") LongPointer bestPositive);

    public static native int cm_cuda_rank_bidirectional(FloatPointer images, long nImages, FloatPointer texts,
            long nTexts, long dim, @Cast("const int64_t*") LongPointer textImage, int normalize,
            @Cast("int64_t*") LongPointer imageRanks, @Cast("int64_t*") LongPointer textRanks);

    public static native int cm_cuda_topk(FloatPointer queries, long nq, FloatPointer cands, long nc, long dim, long k,
            int normalize, FloatPointer scores, @Cast("int64_t*") LongPointer indices);
}
