package dev.clipmatch.cli;

import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.io.Npy;
import dev.clipmatch.model.ClipModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Hidden harness behind tools/bench_model.py: times image and text encoding of a checkpoint on given inputs
 * and prints one JSON line (items/s), so the Python side can compare with transformers in the same run.
 */
@Command(name = "bench-model", hidden = true, description = "Time CLIP image/text encoding (used by tools/bench_model.py).")
public final class BenchModelCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Checkpoint file or directory.")
    Path model;

    @Option(names = "--images", defaultValue = "32", description = "Number of random images to encode.")
    int images;

    @Option(names = "--token-ids", description = "int64 .npy [N, context] of token ids to encode.")
    Path tokenIds;

    @Option(names = "--batch-size", defaultValue = "32")
    int batchSize;

    @Mixin
    SharedOptions.ThreadsOption threadsOption;

    @Option(names = "--sort-by-length", description = "Batch captions of similar length together (as embed does).")
    boolean sortByLength;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed passes over the inputs; the best is reported.")
    int repeats;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed batches first (allocator and BLAS warm-up).")
    int warmup;

    @Override
    public Integer call() {
        ClipModel m = ClipModel.load(model);
        m.setThreads(threadsOption.checked());
        int s = m.config().resolution();
        int per = 3 * s * s;
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("threads", m.threads());
        if (images > 0) {
            float[] px = new float[images * per];
            Random r = new Random(0);
            for (int i = 0; i < px.length; i++) px[i] = (float) r.nextGaussian();
            out.put("images_per_s", bestRate(images, i -> {
                int n = Math.min(batchSize, images - i);
                m.encodeImages(Arrays.copyOfRange(px, i * per, (i + n) * per), n);
            }));
        }
        if (tokenIds != null) {
            int ctx = (int) Npy.header(tokenIds).shape()[1];
            long[] all = Npy.readLongs(tokenIds);
            int rows = all.length / ctx;
            long[] ids = sortByLength ? sortedByLength(all, rows, ctx) : all;
            out.put("captions_per_s", bestRate(rows, i -> {
                int n = Math.min(batchSize, rows - i);
                m.encodeTexts(Arrays.copyOfRange(ids, i * ctx, (i + n) * ctx), n, ctx);
            }));
        }
        System.out.println(JsonFiles.compact(out));
        return 0;
    }

    /** Items per second of the best of {@code repeats} passes over {@code count} items, after the warm-up batches. */
    private double bestRate(int count, IntConsumer batchAt) {
        for (int w = 0; w < warmup; w++) batchAt.accept((w * batchSize) % count);
        double best = 0;
        for (int rep = 0; rep < repeats; rep++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i += batchSize) batchAt.accept(i);
            best = Math.max(best, count / ((System.nanoTime() - t0) / 1e9));
        }
        return best;
    }

    private static long[] sortedByLength(long[] ids, int rows, int ctx) {
        Integer[] order = new Integer[rows];
        int[] len = new int[rows];
        for (int r = 0; r < rows; r++) {
            order[r] = r;
            while (len[r] < ctx && ids[r * ctx + len[r]] != 0) len[r]++;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(len[a], len[b]));
        long[] out = new long[ids.length];
        for (int i = 0; i < rows; i++) System.arraycopy(ids, order[i] * ctx, out, i * ctx, ctx);
        return out;
    }
}
