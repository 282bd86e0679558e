package dev.clipmatch.kernels;

import java.util.function.Supplier;

/** The status codes of clipmatch/status.h as Java exceptions, shared by the native back ends. */
public final class KernelErrors {
    private KernelErrors() {}

    /** Throws for a non-zero code: 1 bad argument, 2 out of memory, anything else a device or internal failure. */
    public static void check(int code, Supplier<String> lastError, String backend) {
        if (code == 0) return;
        String message = lastError.get();
        if (code == 1) throw new IllegalArgumentException(message);
        if (code == 2) throw new OutOfMemoryError(backend + ": " + message);
        throw new IllegalStateException(backend + " (code " + code + "): " + message);
    }

    /** Both sides non-empty and of one dimension. */
    public static void requireSameDim(Embeddings a, Embeddings b) {
        if (a.dim() != b.dim()) throw new IllegalArgumentException("dimension mismatch: " + a.dim() + " vs " + b.dim());
        if (a.rows() < 1 || b.rows() < 1) throw new IllegalArgumentException("empty embeddings");
    }
}
