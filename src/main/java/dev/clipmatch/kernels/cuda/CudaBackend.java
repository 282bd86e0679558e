package dev.clipmatch.kernels.cuda;

import dev.clipmatch.kernels.CpuKernels;
import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.kernels.KernelErrors;
import dev.clipmatch.kernels.NativeBackend;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * The CUDA kernels behind {@link dev.clipmatch.kernels.ScoreBackend}: float32 on CUDA cores in the canonical dot order of kernels.h,
 * so scores, ranks and top-K equal the CPU backend's bit for bit (softmax probabilities within a few ulp).
 * Reached only by reflection from {@code dev.clipmatch.kernels.Backends} ({@link #available()}, then the
 * constructor), so CPU-only runs never load it. Error codes become exceptions carrying the native message
 * (with CUDA's error text for device failures): IllegalArgumentException for bad arguments, OutOfMemoryError for
 * device memory, IllegalStateException for CUDA failures.
 */
public final class CudaBackend extends NativeBackend {
    private static final int MAX_K = 4096; // CM_CUDA_MAX_K

    private final String device;

    /** Binds to the current CUDA device; throws IllegalStateException naming the reason when there is none. */
    public CudaBackend() {
        super("CUDA kernels", CudaKernels::cm_cuda_last_error, MAX_K);
        String reason = unavailableReason();
        if (reason != null) throw new IllegalStateException("no usable CUDA device: " + reason);
        try (BytePointer name = new BytePointer(256)) {
            check(CudaKernels.cm_cuda_device_name(name, 256));
            device = name.getString();
        }
    }

    /** Whether a CUDA device answers (false, not an exception, when the driver or the device is missing). */
    public static boolean available() {
        return unavailableReason() == null;
    }

    /** Why no CUDA device can be used, or null when one can. */
    public static String unavailableReason() {
        try (IntPointer count = new IntPointer(1)) {
            check(CudaKernels.cm_cuda_device_count(count));
            return count.get() > 0 ? null : CudaKernels.cm_cuda_last_error();
        }
    }

    /** Description of the device in use: name, compute capability, memory. */
    public String device() {
        return device;
    }

    @Override
    public String name() {
        return "cuda";
    }

    static void check(int code) {
        KernelErrors.check(code, CudaKernels::cm_cuda_last_error, "CUDA kernels");
    }

    @Override
    protected int nativeNormalizeRows(Embeddings e) {
        return CudaKernels.cm_cuda_normalize_rows(e.data(), e.rows(), e.dim());
    }

    @Override
    protected int nativeSimilarity(Embeddings a, Embeddings b, int normalize, float scale, int softmax, float[] out) {
        return CudaKernels.cm_cuda_similarity(a.data(), a.rows(), b.data(), b.rows(), a.dim(), normalize, scale, softmax, out);
    }

    @Override
    protected int nativeRank(Embeddings queries, Embeddings candidates, long[] posOffsets, long[] posIndices, int normalize, long[] ranks) {
        return CudaKernels.cm_cuda_rank(queries.data(), queries.rows(), candidates.data(), candidates.rows(), queries.dim(),
                posOffsets, posIndices, normalize, ranks, null);
    }

    @Override
    protected int nativeRankBidirectional(Embeddings images, Embeddings texts, long[] textImage, int normalize, long[] imageRanks,
            long[] textRanks) {
        return CudaKernels.cm_cuda_rank_bidirectional(images.data(), images.rows(), texts.data(), texts.rows(), images.dim(),
                textImage, normalize, imageRanks, textRanks);
    }

    @Override
    protected int nativeTopk(Embeddings queries, Embeddings candidates, int k, int normalize, float[] scores, long[] indices) {
        return CudaKernels.cm_cuda_topk(queries.data(), queries.rows(), candidates.data(), candidates.rows(), queries.dim(), k,
                normalize, scores, indices);
    }

    /**
     * The sampled protocol's ranking step runs the CPU kernel: the sub-matrix is already on the host (it is the
     * output of {@link #similarity(Embeddings, Embeddings, boolean, float, boolean)}, which ran on the GPU), ranking it is comparisons only, so the result is the
     * same on any device, and a device round trip per small sample would cost more than the comparisons.
     */
    @Override
    protected int nativeRankSubmatrix(float[] scores, long ld, long[] rows, long[] cols, long[] colImage, long[] imageRanks,
            long[] textRanks) {
        KernelErrors.check(CpuKernels.cm_rank_submatrix(scores, ld, rows, rows.length, cols, cols.length, colImage, imageRanks,
                textRanks), CpuKernels::cm_last_error, "native kernels");
        return 0;
    }
}
