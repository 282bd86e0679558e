package dev.clipmatch.spark;

import dev.clipmatch.kernels.CpuBackend;

/** Per executor JVM: the native kernels' worker count, set once before the first block is scored. */
final class Kernels {
    private static volatile boolean configured;

    private Kernels() {}

    static void threads(int n) {
        if (configured) return;
        synchronized (Kernels.class) {
            if (!configured) {
                CpuBackend.setThreads(n);
                configured = true;
            }
        }
    }
}
