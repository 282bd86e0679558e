package dev.clipmatch.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_UNCHANGED;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

import dev.clipmatch.io.JsonFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Benchmark harness (run by tools/bench_image.sh, next to its PIL + numpy peer): images/s of decode +
 * preprocess of the JPEGs in a directory, one thread (a plain loop) and N threads (the ImageBatchLoader),
 * plus OpenCV's decoding alone for context. Prints one JSON object per measurement on stdout.
 *
 * <p>Usage: {@code ImageBench DIR [--preset clip-224] [--seconds 4] [--threads 1,2]}
 */
public final class ImageBench {
    private ImageBench() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        String preset = "clip-224";
        double seconds = 4;
        List<Integer> threadCounts = List.of(1, 2);
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--preset" -> preset = args[i + 1];
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--threads" -> threadCounts = Stream.of(args[i + 1].split(",")).map(Integer::parseInt).toList();
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        List<Path> images;
        try (Stream<Path> s = Files.list(dir)) {
            images = s.filter(p -> p.toString().toLowerCase().endsWith(".jpg")).sorted().toList();
        }
        ImagePreprocessor pre = new ImagePreprocessor(PreprocessConfig.preset(preset));
        for (int r = 0; r < 3; r++) for (Path p : images) pre.preprocess(p);  // JIT and page-cache warm-up

        // Context: decoding alone (the part both sides share: the same libjpeg-turbo), one thread.
        long decodeStart = System.nanoTime(), decoded = 0;
        while (System.nanoTime() - decodeStart < seconds * 1e9) {
            for (Path p : images) {
                byte[] bytes = ImagePreprocessor.readFile(p);
                try (BytePointer data = new BytePointer(bytes); Mat buffer = new Mat(1, bytes.length, CV_8UC1, data);
                        Mat image = imdecode(buffer, IMREAD_UNCHANGED)) {
                    decoded += image.empty() ? 0 : 1;
                }
            }
        }
        double decodeSeconds = (System.nanoTime() - decodeStart) / 1e9;
        System.out.println(JsonFiles.compact(row("OpenCV imdecode only", 1, decoded, decodeSeconds, 0)));

        for (int threads : threadCounts) {
            long start = System.nanoTime();
            long done = 0;
            double checksum = 0;
            while (System.nanoTime() - start < seconds * 1e9) {
                if (threads == 1) {
                    for (Path p : images) checksum += pre.preprocess(p)[0];
                    done += images.size();
                } else {
                    List<Path> rounds = new ArrayList<>();
                    for (int r = 0; r < 4; r++) rounds.addAll(images);
                    try (ImageBatchLoader loader = new ImageBatchLoader(rounds, pre, 32, threads, false)) {
                        for (ImageBatch b : loader) {
                            checksum += b.pixels()[0];
                            done += b.count();
                        }
                    }
                }
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            System.out.println(JsonFiles.compact(row("clipmatch (OpenCV decode + Pillow-exact resample)", threads, done, elapsed, checksum)));
        }
    }

    private static Map<String, Object> row(String impl, int threads, long images, double seconds, double checksum) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("impl", impl);
        row.put("threads", threads);
        row.put("images", images);
        row.put("seconds", seconds);
        row.put("images_per_s", images / seconds);
        row.put("checksum", checksum);
        return row;
    }
}
