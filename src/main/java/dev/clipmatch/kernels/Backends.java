package dev.clipmatch.kernels;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.UnsupportedFeatureException;
import java.io.PrintStream;

/**
 * Chooses the scoring backend for the device {@code auto}, {@code cpu} or {@code cuda}. The CUDA backend is reached only by name
 * (reflection), so its classes, and the CUDA libraries behind them, are never loaded on the CPU path.
 */
public final class Backends {
    static final String CUDA_BACKEND = "dev.clipmatch.kernels.cuda.CudaBackend";
    static final String CUDA_JNI_LIBRARY = "dev/clipmatch/kernels/cuda/" + org.bytedeco.javacpp.Loader.getPlatform()
            + "/libjniCudaKernels.so";

    private Backends() {}

    public static ScoreBackend select(String device, PrintStream notices) {
        switch (device) {
            case "cpu":
                return new CpuBackend();
            case "cuda": {
                ScoreBackend cuda = tryCuda();
                if (cuda == null) throw new UnsupportedFeatureException("device cuda: no usable CUDA GPU (build with -Pgpu on a machine with an NVIDIA driver)", ClipMatchException.Remedy.CPU_DEVICE);
                return cuda;
            }
            case "auto": {
                ScoreBackend cuda = tryCuda();
                if (cuda != null) return cuda;
                if (cudaBuilt()) notices.println("clipmatch: no CUDA GPU available, using the CPU kernels");
                return new CpuBackend();
            }
            default:
                throw new ClipMatchException("device must be auto, cpu or cuda, not '" + device + "'");
        }
    }

    /**
     * Whether this build carries the CUDA backend (the gpu profile); a CPU-only build falls back silently. The
     * Java classes compile in every build; only the gpu profile adds their JNI library.
     */
    static boolean cudaBuilt() {
        return Backends.class.getClassLoader().getResource(CUDA_JNI_LIBRARY) != null;
    }

    /** The CUDA backend if this build has it and a GPU answers; null otherwise. */
    private static ScoreBackend tryCuda() {
        try {
            Class<?> c = Class.forName(CUDA_BACKEND);
            if (!(boolean) c.getMethod("available").invoke(null)) return null;
            return (ScoreBackend) c.getConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            return null; // CPU-only build
        } catch (ReflectiveOperationException | LinkageError e) {
            return null; // GPU classes present but no driver/device
        }
    }
}
