// The HTML report's own cost, on the process's CPU clock as well as the wall clock (a loaded machine stretches the
// wall clock, not the CPU time): report.html + thumbnails for a sweep's RUN_DIR, as the sweep makes it. Run by
// tools/bench_report.py after its sweeps:
//
//   java -cp target/classes:$(cat target/classpath.txt) tools/BenchReport.java RUN_DIR REPEATS
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clipmatch.eval.EmbeddingSource;
import dev.clipmatch.eval.Evaluation;
import dev.clipmatch.eval.Evaluator;
import dev.clipmatch.image.Thumbnails;
import dev.clipmatch.io.Npy;
import dev.clipmatch.kernels.CpuBackend;
import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.report.HtmlReport;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

public class BenchReport {
    public static void main(String[] args) throws Exception {
        Path run = Path.of(args[0]);
        int repeats = Integer.parseInt(args[1]);
        JsonNode index = new ObjectMapper().readTree(run.resolve("index.json").toFile());
        List<Path> files = new ArrayList<>();
        index.get("images").forEach(n -> files.add(Path.of(n.asText())));
        List<String> captions = new ArrayList<>();
        index.get("captions").forEach(n -> captions.add(n.asText()));
        Npy.FloatArray im = Npy.readFloats(run.resolve("image_embeddings.npy")), tx = Npy.readFloats(run.resolve("text_embeddings.npy"));
        Embeddings images = new Embeddings(im.data(), im.rows(), im.cols()), texts = new Embeddings(tx.data(), tx.rows(), tx.cols());
        long[] captionImage = Npy.readLongs(run.resolve("text_image.npy"));
        CpuBackend backend = new CpuBackend();
        Evaluation e = Evaluator.evaluate(new EmbeddingSource(images, texts, captionImage, backend), new int[] {1, 5, 10}, new int[] {10, 100, 1000}, 50, 0,
                new PrintStream(OutputStream.nullOutputStream()));
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        HtmlReport.warmUpInBackground();
        Thread.sleep(10_000); // as in a sweep, where loading OpenCV overlaps the phases before the report
        Path out = Files.createTempDirectory("clipmatch-bench-report");
        for (int r = 0; r < repeats; r++) {
            long wall = System.nanoTime(), cpu = os.getProcessCpuTime();
            HtmlReport.write(out, new HtmlReport.Inputs("bench", files.stream().map(p -> p.getFileName().toString()).toList(), files, captions, captionImage,
                    images, texts, 100f, backend, e, null, null, Map.of(), new int[] {10, 100, 1000}, 0, HtmlReport.DEFAULT_EXAMPLES));
            System.out.printf("report %d: %.3f s wall, %.3f s CPU (all threads)%n", r + 1, (System.nanoTime() - wall) / 1e9, (os.getProcessCpuTime() - cpu) / 1e9);
        }
        // The most thumbnails a page with the default 20 examples can show: 20 + 20 query images, 2 x 20 caption
        // queries x (5 retrieved + their own image), 10 probability-table images; distinct files here.
        List<Path> most = files.subList(0, Math.min(files.size(), 20 + 20 + 2 * 20 * 6 + 10));
        for (int r = 0; r < repeats; r++) {
            long wall = System.nanoTime(), cpu = os.getProcessCpuTime();
            Thumbnails.of(most, 160);
            System.out.printf("%d thumbnails (the most a page shows): %.3f s wall, %.3f s CPU%n", most.size(), (System.nanoTime() - wall) / 1e9,
                    (os.getProcessCpuTime() - cpu) / 1e9);
        }
    }
}
