package dev.clipmatch.io;

import dev.clipmatch.cli.Main;
import dev.clipmatch.kernels.cuda.CudaBackend;
import dev.clipmatch.model.ClipModel;
import dev.clipmatch.pipeline.Sweep;

/** Deliberately bad dependencies of an io class, one per architecture rule, for {@code ArchitectureTest} to catch. */
public final class ArchViolations {
    private ArchViolations() {}

    public static final class LibraryUsingCli {
        Main cli;
    }

    public static final class IoUsingModel {
        ClipModel model;
    }

    public static final class IoUsingPipeline {
        Sweep sweep;
    }

    public static final class CpuPathUsingCuda {
        CudaBackend cuda;
    }
}
