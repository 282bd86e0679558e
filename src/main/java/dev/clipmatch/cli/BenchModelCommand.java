package dev.clipmatch.cli;

import dev.clipmatch.io.Json;
import dev.clipmatch.io.Npy;
import dev.clipmatch.model.ClipModel;
import dev.clipmatch.model.Tensors;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
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

    @Option(names = "--threads", defaultValue = "0", description = "LibTorch threads (0: default).")
    int threads;

    @Option(names = "--sort-by-length", description = "Batch captions of similar length together (as embed does).")
    boolean sortByLength;

    @Override
    public Integer call() {
        Tensors.setThreads(threads);
        ClipModel m = ClipModel.load(model);
        int s = m.config().resolution();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("threads", Tensors.threads());
        if (images > 0) {
            float[] px = new float[images * 3 * s * s];
            Random r = new Random(0);
            for (int i = 0; i < px.length; i++) px[i] = (float) r.nextGaussian();
            int warm = Math.min(batchSize, images);
            m.encodeImages(Arrays.copyOf(px, warm * 3 * s * s), warm);
            long t0 = System.nanoTime();
            for (int i = 0; i < images; i += batchSize) {
                int n = Math.min(batchSize, images - i);
                m.encodeImages(Arrays.copyOfRange(px, i * 3 * s * s, (i + n) * 3 * s * s), n);
            }
            out.put("images_per_s", images / ((System.nanoTime() - t0) / 1e9));
        }
        if (tokenIds != null) {
            Npy.Header h = Npy.header(tokenIds);
            int ctx = (int) h.shape()[1];
            long[] ids = Npy.readLongs(tokenIds);
            int rows = ids.length / ctx;
            if (sortByLength) ids = sortedByLength(ids, rows, ctx);
            int warm = Math.min(batchSize, rows);
            m.encodeTexts(Arrays.copyOf(ids, warm * ctx), warm, ctx);
            long t0 = System.nanoTime();
            for (int i = 0; i < rows; i += batchSize) {
                int n = Math.min(batchSize, rows - i);
                m.encodeTexts(Arrays.copyOfRange(ids, i * ctx, (i + n) * ctx), n, ctx);
            }
            out.put("captions_per_s", rows / ((System.nanoTime() - t0) / 1e9));
        }
        System.out.println(Json.write(out));
        return 0;
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
