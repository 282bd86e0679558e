package dev.clipmatch.kernels.cuda;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of the CUDA kernels' host-pointer C ABI ({@code src/main/cpp/include/clipmatch/kernels_cuda.h}),
 * built only by the {@code gpu} Maven profile. Loading this class loads libclipmatch_cuda (static CUDA runtime;
 * the driver is looked up only when a function runs), so only {@link CudaBackend} touches it, and only when
 * {@code --device} asks for CUDA. Callers go through {@link CudaBackend}, which turns error codes into exceptions.
 * Host-pointer functions take Java arrays (copied across JNI, as in the CPU binding).
 * The {@code _dev} functions take device pointers (e.g. a GPU LibTorch tensor's {@code data_ptr()}), a dtype
 * ({@code F32}, {@code F16}, {@code BF16}) and a {@code cudaStream_t} (e.g. LibTorch's current stream).
 */
@Platform(include = "clipmatch/kernels_cuda.h", link = "clipmatch_cuda")
public final class CudaKernels {
    static {
        Loader.load();
    }

    public static final int F32 = 0, F16 = 1, BF16 = 2;
    public static final int ENGINE_MMA = 0, ENGINE_WGMMA = 1;

    private CudaKernels() {}

    public static native @Cast("const char*") String cm_cuda_last_error();

    public static native int cm_cuda_device_count(IntPointer count);

    public static native int cm_cuda_set_device(int device);

    public static native int cm_cuda_device_name(@Cast("char*") BytePointer buf, int len);

    public static native int cm_cuda_normalize_rows(float[] x, long rows, long dim);

    public static native int cm_cuda_similarity(float[] a, long n, float[] b, long m, long dim,
            int normalize, float scale, int softmax, float[] out);

    public static native int cm_cuda_rank(float[] queries, long nq, float[] cands, long nc, long dim,
            @Cast("const int64_t*") long[] posOffsets, @Cast("const int64_t*") long[] posIndices,
            int normalize, @Cast("int64_t*") long[] ranks, @Cast("int64_t*") long[] bestPositive);

    public static native int cm_cuda_rank_bidirectional(float[] images, long nImages, float[] texts,
            long nTexts, long dim, @Cast("const int64_t*") long[] textImage, int normalize,
            @Cast("int64_t*") long[] imageRanks, @Cast("int64_t*") long[] textRanks);

    public static native int cm_cuda_topk(float[] queries, long nq, float[] cands, long nc, long dim, long k,
            int normalize, float[] scores, @Cast("int64_t*") long[] indices);

    public static native int cm_cuda_set_tensor_engine(int engine);

    public static native int cm_cuda_memory_peak(@Cast("int64_t*") LongPointer bytes, int reset);

    public static native int cm_cuda_similarity_dev(@Cast("const void*") Pointer a, long n, @Cast("const void*") Pointer b,
            long m, long dim, int dtype, int normalize, float scale, int softmax, FloatPointer out,
            @Cast("void*") Pointer stream);

    public static native int cm_cuda_rank_dev(@Cast("const void*") Pointer queries, long nq,
            @Cast("const void*") Pointer cands, long nc, long dim, int dtype,
            @Cast("const int64_t*") LongPointer posOffsets, @Cast("const int64_t*") LongPointer posIndices,
            int normalize, @Cast("int64_t*") LongPointer ranks, @Cast("int64_t*") LongPointer bestPositive,
            @Cast("void*") Pointer stream);

    public static native int cm_cuda_rank_bidirectional_dev(@Cast("const void*") Pointer images, long nImages,
            @Cast("const void*") Pointer texts, long nTexts, long dim, int dtype,
            @Cast("const int64_t*") LongPointer textImage, int normalize, @Cast("int64_t*") LongPointer imageRanks,
            @Cast("int64_t*") LongPointer textRanks, @Cast("void*") Pointer stream);

    public static native int cm_cuda_topk_dev(@Cast("const void*") Pointer queries, long nq,
            @Cast("const void*") Pointer cands, long nc, long dim, int dtype, long k, int normalize, FloatPointer scores,
            @Cast("int64_t*") LongPointer indices, @Cast("void*") Pointer stream);
}
