package dev.clipmatch.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.clipmatch.kernels.CpuBackend;
import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.kernels.ScoreBackend;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The CUDA backend as far as a machine can check it: only in a {@code -Pgpu} build (skipped otherwise, since the
 * default build has no CUDA library). Without a GPU: the backend reports itself unavailable with the driver's
 * reason, refuses to construct, and the native CUDA test binary's host-side checks (argument validation, key
 * order) pass. With a GPU: scores, ranks and top-K equal the CPU backend's exactly.
 */
class CudaBackendTest {
    private static final String BINDING = "dev/clipmatch/kernels/cuda/linux-x86_64/libjniCudaKernels.so";

    private static void assumeGpuBuild() {
        assumeTrue(CudaBackendTest.class.getClassLoader().getResource(BINDING) != null,
                "CUDA binding not built (build with -Pgpu to run these tests)");
    }

    @Test
    void reportsAvailabilityWithAReason() {
        assumeGpuBuild();
        String reason = CudaBackend.unavailableReason();
        assertEquals(reason == null, CudaBackend.available());
        if (reason != null) {
            assertFalse(reason.isBlank(), "a missing device needs a reason");
            IllegalStateException e = assertThrows(IllegalStateException.class, CudaBackend::new);
            assertTrue(e.getMessage().startsWith("no usable CUDA device: "), e.getMessage());
        }
    }

    @Test
    void bindingsValidateBeforeTouchingTheDevice() {
        assumeGpuBuild();
        assertEquals(1, CudaKernels.cm_cuda_topk_dev(null, 1, null, 1, 4, CudaKernels.BF16, 1, 1, null, null, null));
        assertEquals("topk queries: null pointer", CudaKernels.cm_cuda_last_error());
        assertEquals(1, CudaKernels.cm_cuda_set_tensor_engine(7));
        assertTrue(CudaKernels.cm_cuda_last_error().contains("unknown engine 7"), CudaKernels.cm_cuda_last_error());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CudaBackend.check(CudaKernels.cm_cuda_rank_dev(null, 2, null, 2, 4, 9, null, null, 1, null, null, null)));
        assertTrue(e.getMessage().contains("rank queries: null pointer"), e.getMessage());
        // Host-array functions: the CPU kernels' validation and messages, before any device work.
        assertEquals(1, CudaKernels.cm_cuda_topk(new float[4], 1, new float[4], 1, 4, 2, 1, new float[2], new long[2]));
        assertEquals("topk: k = 2 is outside [1, 1]", CudaKernels.cm_cuda_last_error());
        assertEquals(1, CudaKernels.cm_cuda_rank(new float[8], 2, new float[8], 2, 4, new long[] {0, 1, 2},
                new long[] {0, 2}, 1, new long[2], null));
        assertEquals("rank: query 1 has positive 2 outside [0, 2)", CudaKernels.cm_cuda_last_error());
    }

    @Test
    void nativeHostChecksPass() throws Exception {
        assumeGpuBuild();
        String repo = System.getenv().getOrDefault("CLIPMATCH_REPO", ".");
        Path binary = Path.of(repo, "target", "native", "clipmatch_cuda_tests");
        assertTrue(Files.isExecutable(binary), "CUDA test binary missing: " + binary);
        Process p = new ProcessBuilder(binary.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("host-only checks: 0 of"), out);
    }

    @Test
    void equalsTheCpuBackendOnAGpu() {
        assumeGpuBuild();
        assumeTrue(CudaBackend.available(), () -> "no CUDA device: " + CudaBackend.unavailableReason());
        ScoreBackend cuda = new CudaBackend(), cpu = new CpuBackend();
        Random random = new Random(5);
        int images = 53, texts = 265, dim = 77;
        Embeddings im = random(random, images, dim), tx = random(random, texts, dim);
        long[] textImage = new long[texts];
        for (int t = 0; t < texts; t++) textImage[t] = t % images;
        assertArrayEquals(cpu.similarity(im, tx, true, 100f, false), cuda.similarity(im, tx, true, 100f, false));
        ScoreBackend.BidirectionalRanks want = cpu.rankBidirectional(im, tx, textImage, true);
        ScoreBackend.BidirectionalRanks got = cuda.rankBidirectional(im, tx, textImage, true);
        assertArrayEquals(want.imageRanks(), got.imageRanks());
        assertArrayEquals(want.textRanks(), got.textRanks());
        ScoreBackend.TopK wk = cpu.topk(im, tx, 10, true), gk = cuda.topk(im, tx, 10, true);
        assertArrayEquals(wk.indices(), gk.indices());
        assertArrayEquals(wk.scores(), gk.scores());
        assertThrows(IllegalArgumentException.class, () -> cuda.topk(im, tx, texts + 1, true));
        // The sampled protocol's step: a sub-matrix of the scores, ranked through the selected backend.
        float[] scores = cuda.similarity(im, tx, true, 1f, false);
        int[] rows = {0, 7, 8, 30}, cols = {0, 7, 8, 30, 53, 60, 61, 83, 106, 114}, colImage = {0, 1, 2, 3, 0, 1, 2, 3, 0, 2};
        ScoreBackend.BidirectionalRanks ws = cpu.rankSubmatrix(scores, texts, rows, cols, colImage);
        ScoreBackend.BidirectionalRanks gs = cuda.rankSubmatrix(scores, texts, rows, cols, colImage);
        assertArrayEquals(ws.imageRanks(), gs.imageRanks());
        assertArrayEquals(ws.textRanks(), gs.textRanks());
    }

    @Test
    void normalizesRowsAsTheCpuBackendOnAGpu() {
        assumeGpuBuild();
        assumeTrue(CudaBackend.available(), () -> "no CUDA device: " + CudaBackend.unavailableReason());
        Embeddings onCpu = random(new Random(9), 37, 513), onGpu = random(new Random(9), 37, 513);
        new CpuBackend().normalizeRows(onCpu);
        new CudaBackend().normalizeRows(onGpu);
        assertArrayEquals(onCpu.data(), onGpu.data());
    }

    private static Embeddings random(Random random, int rows, int dim) {
        float[] data = new float[rows * dim];
        for (int i = 0; i < data.length; i++) data[i] = (float) random.nextGaussian();
        return new Embeddings(data, rows, dim);
    }
}
