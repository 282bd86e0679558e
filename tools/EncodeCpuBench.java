// Encoder cost as CPU time of the encoding thread (ClipModel on one thread, OpenBLAS and LibTorch at one thread),
// per image and per caption: on a shared, loaded machine this varies far less than wall-clock rates. Captions are
// sorted by token count and encoded in batches of 32, as `embed` does. Uses only ClipModel's long-standing API, so it
// runs against older checkouts too (tools/bench_encode_cpu_ab.sh):
//
//   java -cp target/classes:$(cat target/classpath.txt) tools/EncodeCpuBench.java MODEL IDS.npy [REPEATS=5]
//
// MODEL and IDS.npy: the ViT-B/32-sized random model and caption ids that tools/bench_model.py leaves in its work
// folder. Prints medians (and minima) over REPEATS passes of 32 random images and all captions.
import dev.clipmatch.io.Npy;
import dev.clipmatch.model.ClipModel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;

public class EncodeCpuBench {
    public static void main(String[] args) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        ClipModel m = ClipModel.load(Path.of(args[0]));
        m.setThreads(1);
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int s = m.config().resolution(), per = 3 * s * s, images = 32, batch = 32;
        Random rng = new Random(0);
        float[] px = new float[images * per];
        for (int i = 0; i < px.length; i++) px[i] = (float) rng.nextGaussian();
        long[] ids = Npy.readLongs(Path.of(args[1]));
        int ctx = (int) Npy.header(Path.of(args[1])).shape()[1], n = ids.length / ctx;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt(i -> {
            int c = 0;
            for (int k = 0; k < ctx; k++) if (ids[i * ctx + k] != 0) c++;
            return c;
        }));
        long[] sorted = new long[ids.length];
        for (int r = 0; r < n; r++) System.arraycopy(ids, order[r] * ctx, sorted, r * ctx, ctx);
        m.encodeImages(Arrays.copyOf(px, 2 * per), 2); // warm-up
        m.encodeTexts(Arrays.copyOf(sorted, Math.min(n, 64) * ctx), Math.min(n, 64), ctx);
        double[] img = new double[repeats], txt = new double[repeats];
        for (int r = 0; r < repeats; r++) {
            long t = mx.getCurrentThreadCpuTime();
            m.encodeImages(px, images);
            img[r] = (mx.getCurrentThreadCpuTime() - t) / 1e6 / images;
            t = mx.getCurrentThreadCpuTime();
            for (int b = 0; b < n; b += batch) {
                int rows = Math.min(batch, n - b);
                m.encodeTexts(Arrays.copyOfRange(sorted, b * ctx, (b + rows) * ctx), rows, ctx);
            }
            txt[r] = (mx.getCurrentThreadCpuTime() - t) / 1e6 / n;
        }
        Arrays.sort(img);
        Arrays.sort(txt);
        System.out.printf("{\"cpu_ms_per_image\":%.2f,\"min_image\":%.2f,\"cpu_ms_per_caption\":%.3f,\"min_caption\":%.3f}%n",
                img[repeats / 2], img[0], txt[repeats / 2], txt[0]);
    }
}
