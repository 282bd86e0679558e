package dev.clipmatch.kernels.cuda;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.UnsupportedFeatureException;
import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.kernels.KernelErrors;
import dev.clipmatch.kernels.ScoreBackend;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;

/**
 * The CUDA kernels behind {@link ScoreBackend}: float32 on CUDA cores in the canonical dot order of kernels.h,
 * so scores, ranks and top-K equal the CPU backend's bit for bit (softmax probabilities within a few ulp).
 * Reached only by reflection from {@code dev.clipmatch.kernels.Backends} ({@link #available()}, then the
 * constructor), so CPU-only runs never load it. Error codes become exceptions carrying the native message
 * (with CUDA's error text for device failures): IllegalArgumentException for bad arguments, OutOfMemoryError for
 * device memory, IllegalStateException for CUDA failures.
 */
public final class CudaBackend implements ScoreBackend {
    private static final int MAX_K = 4096; // CM_CUDA_MAX_K

    private final String device;

    /** Binds to the current CUDA device; throws IllegalStateException naming the reason when there is none. */
    public CudaBackend() {
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
    public void normalizeRows(Embeddings e) {
        check(CudaKernels.cm_cuda_normalize_rows(e.data(), e.rows(), e.dim()));
    }

    @Override
    public float[] similarity(Embeddings a, Embeddings b, boolean normalize, float scale, boolean softmax) {
        KernelErrors.requireSameDim(a, b);
        float[] out = new float[Math.multiplyExact(a.rows(), b.rows())];
        check(CudaKernels.cm_cuda_similarity(a.data(), a.rows(), b.data(), b.rows(), a.dim(), normalize ? 1 : 0, scale,
                softmax ? 1 : 0, out));
        return out;
    }

    @Override
    public long[] rank(Embeddings queries, Embeddings candidates, long[] posOffsets, long[] posIndices, boolean normalize) {
        KernelErrors.requireSameDim(queries, candidates);
        if (posOffsets.length != queries.rows() + 1)
            throw new IllegalArgumentException("positive offsets need one entry per query plus one");
        if (posOffsets[queries.rows()] > posIndices.length)
            throw new IllegalArgumentException("positive offsets run past the indices");
        long[] ranks = new long[queries.rows()];
        check(CudaKernels.cm_cuda_rank(queries.data(), queries.rows(), candidates.data(), candidates.rows(), queries.dim(),
                posOffsets, posIndices, normalize ? 1 : 0, ranks, null));
        return ranks;
    }

    @Override
    public BidirectionalRanks rankBidirectional(Embeddings images, Embeddings texts, long[] textImage, boolean normalize) {
        KernelErrors.requireSameDim(images, texts);
        if (textImage.length != texts.rows()) throw new IllegalArgumentException("need one image index per text");
        long[] imageRanks = new long[images.rows()], textRanks = new long[texts.rows()];
        check(CudaKernels.cm_cuda_rank_bidirectional(images.data(), images.rows(), texts.data(), texts.rows(), images.dim(),
                textImage, normalize ? 1 : 0, imageRanks, textRanks));
        return new BidirectionalRanks(imageRanks, textRanks);
    }

    @Override
    public TopK topk(Embeddings queries, Embeddings candidates, int k, boolean normalize) {
        KernelErrors.requireSameDim(queries, candidates);
        if (k < 1 || k > candidates.rows())
            throw new IllegalArgumentException("k = " + k + " is outside [1, " + candidates.rows() + "]");
        if (k > MAX_K)
            throw new UnsupportedFeatureException("k = " + k + " is above the CUDA kernels' limit of " + MAX_K, ClipMatchException.Remedy.CPU_DEVICE);
        int n = Math.multiplyExact(queries.rows(), k);
        float[] scores = new float[n];
        long[] indices = new long[n];
        check(CudaKernels.cm_cuda_topk(queries.data(), queries.rows(), candidates.data(), candidates.rows(), queries.dim(), k,
                normalize ? 1 : 0, scores, indices));
        return new TopK(scores, indices, queries.rows(), k);
    }
}
