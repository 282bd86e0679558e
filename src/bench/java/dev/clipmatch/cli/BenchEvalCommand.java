package dev.clipmatch.cli;

import dev.clipmatch.eval.EmbeddingSource;
import dev.clipmatch.eval.EvalInputs;
import dev.clipmatch.eval.Evaluator;
import dev.clipmatch.eval.RankMetrics;
import dev.clipmatch.eval.SampledProtocol;
import dev.clipmatch.eval.ScoreSource;
import dev.clipmatch.io.AtomicFiles;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.kernels.CpuBackend;
import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.kernels.ScoreBackend.BidirectionalRanks;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Benchmark of {@code eval} against LibTorch in the same process: the full set (normalise, score, rank both
 * directions) and the sampled protocol, plus LibTorch's square-matmul rate as the machine's measured peak.
 * Driven by tools/bench_eval.py, which adds the numpy peer and prints the ratios.
 */
@SuppressWarnings("try") // PointerScope frees what the block allocates; the block need not name it
@Command(name = "bench-eval", hidden = true, description = "Benchmark eval against LibTorch mm + ranking (see tools/bench_eval.py).")
public final class BenchEvalCommand implements Callable<Integer> {
    private static final int[] KS = {1, 5, 10};

    @Option(names = "--image-embeddings", required = true)
    Path images;

    @Option(names = "--text-embeddings", required = true)
    Path texts;

    @Option(names = "--sample-images", defaultValue = "10")
    int sampleImages;

    @Option(names = "--iterations", defaultValue = "10000")
    int iterations;

    @Option(names = "--repeat", defaultValue = "3", description = "Timed repetitions; the best is reported.")
    int repeat;

    @Mixin
    SharedOptions.ThreadsOption threadsOption;

    @Option(names = "--json")
    Path json;

    @Override
    public Integer call() {
        int cores = threadsOption.checked() > 0 ? threadsOption.threads : Runtime.getRuntime().availableProcessors();
        CpuBackend.setThreads(cores);
        torch.set_num_threads(cores);
        Embeddings im = EvalInputs.embeddings(images), tx = EvalInputs.embeddings(texts);
        long[] map = EvalInputs.defaultCaptionImage(im.rows(), tx.rows());
        double flop = 2.0 * im.rows() * tx.rows() * im.dim();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("images", im.rows());
        out.put("captions", tx.rows());
        out.put("dim", im.dim());
        out.put("threads", cores);
        out.put("matmul_peak_gflops", matmulPeak());

        BidirectionalRanks[] ours = new BidirectionalRanks[1];
        double oursFull = best(() -> ours[0] = new EmbeddingSource(im, tx, map, new CpuBackend()).fullRanks());
        BidirectionalRanks[] peer = new BidirectionalRanks[1];
        double torchFull = best(() -> peer[0] = torchFullRanks(im, tx, map));
        out.put("full", ordered(
                "clipmatch_s", oursFull, "clipmatch_gflops", flop / oursFull / 1e9,
                "libtorch_s", torchFull, "libtorch_gflops", flop / torchFull / 1e9,
                "clipmatch_i2t_R@1", RankMetrics.of(ours[0].imageRanks(), KS).recall().get(1),
                "libtorch_i2t_R@1", RankMetrics.of(peer[0].imageRanks(), KS).recall().get(1),
                "clipmatch_t2i_R@1", RankMetrics.of(ours[0].textRanks(), KS).recall().get(1),
                "libtorch_t2i_R@1", RankMetrics.of(peer[0].textRanks(), KS).recall().get(1)));

        EmbeddingSource source = new EmbeddingSource(im, tx, map, new CpuBackend());
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        double[] oursMean = new double[1];
        double oursSampled = best(() -> {
            ScoreSource sampler = Evaluator.samplerFor(source, new int[] {sampleImages}, iterations);
            oursMean[0] = new SampledProtocol(sampler).run(sampleImages, iterations, 0, KS, quiet).imageToText().get("R@1").mean();
        });
        double[] peerMean = new double[1];
        double torchSampled = best(() -> peerMean[0] = torchSampled(source, im, tx, map));
        out.put("sampled", ordered("images", sampleImages, "iterations", iterations,
                "clipmatch_s", oursSampled, "libtorch_s", torchSampled,
                "clipmatch_i2t_R@1_mean", oursMean[0], "libtorch_i2t_R@1_mean", peerMean[0]));
        String text = JsonFiles.pretty(out);
        System.out.print(text);
        if (json != null) AtomicFiles.writeString(json, text);
        return 0;
    }

    private static Map<String, Object> ordered(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put((String) keyValues[i], keyValues[i + 1]);
        return m;
    }

    private double best(Runnable r) {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < Math.max(1, repeat); i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }

    private double matmulPeak() {
        int n = 4096;
        try (PointerScope scope = new PointerScope()) {
            Tensor a = torch.randn(n, n), b = torch.randn(n, n);
            a.mm(b);
            double t = best(() -> {
                try (PointerScope inner = new PointerScope()) {
                    a.mm(b);
                }
            });
            return 2.0 * n * n * n / t / 1e9;
        }
    }

    private static Tensor tensor(Embeddings e) {
        return torch.from_blob(new FloatPointer(e.data()), e.rows(), e.dim()).clone();
    }

    private static Tensor longs(long[] v) {
        return torch.from_blob(new LongPointer(v), new long[] {v.length}, new TensorOptions(torch.ScalarType.Long)).clone();
    }

    private static long[] toLongs(Tensor t) {
        long[] out = new long[(int) t.numel()];
        t.contiguous().data_ptr_long().get(out);
        return out;
    }

    /** What a LibTorch user writes: normalise, one mm, best positive per image by scatter-amax, strict-greater counts. */
    private static BidirectionalRanks torchFullRanks(Embeddings im, Embeddings tx, long[] map) {
        try (PointerScope scope = new PointerScope()) {
            Tensor a = tensor(im), b = tensor(tx), g = longs(map);
            a = a.div(a.norm(new org.bytedeco.pytorch.ScalarOptional(new Scalar(2.0)), new long[] {1}, true));
            b = b.div(b.norm(new org.bytedeco.pytorch.ScalarOptional(new Scalar(2.0)), new long[] {1}, true));
            return torchRanks(a.mm(b.t()), g, im.rows());
        }
    }

    private static BidirectionalRanks torchRanks(Tensor s, Tensor g, int n) {
        int m = (int) g.numel();
        Tensor positive = s.t().gather(1, g.view(m, 1)); // [m, 1]: each caption's score with its image
        Tensor best = torch.full(new long[] {n}, new Scalar(Float.NEGATIVE_INFINITY)).scatter_reduce(0, g, positive.view(m), "amax");
        Tensor i2t = s.gt(best.view(n, 1)).sum(1);
        Tensor t2i = s.t().gt(positive).sum(1);
        return new BidirectionalRanks(toLongs(i2t), toLongs(t2i));
    }

    /** The sampled protocol in LibTorch on the very same subsets: gather rows, mm, rank. */
    private double torchSampled(EmbeddingSource source, Embeddings im, Embeddings tx, long[] map) {
        SampledProtocol protocol = new SampledProtocol(source);
        try (PointerScope scope = new PointerScope()) {
            Tensor a = tensor(im), b = tensor(tx);
            a = a.div(a.norm(new org.bytedeco.pytorch.ScalarOptional(new Scalar(2.0)), new long[] {1}, true));
            b = b.div(b.norm(new org.bytedeco.pytorch.ScalarOptional(new Scalar(2.0)), new long[] {1}, true));
            int per = tx.rows() / im.rows();
            double sum = 0;
            for (int it = 0; it < iterations; it++) {
                try (PointerScope inner = new PointerScope()) {
                    int[] pick = protocol.drawImages(sampleImages, it, 0);
                    long[] rows = new long[pick.length], cols = new long[pick.length * per], local = new long[cols.length];
                    for (int i = 0; i < pick.length; i++) {
                        rows[i] = pick[i];
                        for (int k = 0; k < per; k++) {
                            cols[i * per + k] = (long) pick[i] * per + k;
                            local[i * per + k] = i;
                        }
                    }
                    Tensor s = a.index_select(0, longs(rows)).mm(b.index_select(0, longs(cols)).t());
                    BidirectionalRanks ranks = torchRanks(s, longs(local), pick.length);
                    sum += RankMetrics.of(ranks.imageRanks(), KS).recall().get(1);
                }
            }
            return sum / iterations;
        }
    }
}
