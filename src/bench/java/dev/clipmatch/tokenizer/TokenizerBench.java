package dev.clipmatch.tokenizer;

import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.io.Npy;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Java side of tools/bench_tokenizer.py (not part of the CLI). For each caption file (one JSON string per line)
 * it times {@link ClipTokenizer#batch} with context 77 and truncation, as {@code clip.tokenize(truncate=True)}:
 * the first pass (empty BPE cache, cold JIT) and the best later pass, in wall and thread CPU time. It writes the padded ids as {@code .npy}
 * for the harness's parity check and prints one JSON object per file.
 *
 * <p>Usage: {@code java -cp target/classes:$(cat target/classpath.txt) dev.clipmatch.tokenizer.TokenizerBench
 * VOCAB REPEATS OUT_DIR FILE.jsonl...}
 */
public final class TokenizerBench {
    private static final double MIN_STEADY_SECONDS = 3.0;
    /** CPU time of the timing thread: on a shared machine it varies far less than wall time. */
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private TokenizerBench() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            System.err.println("usage: TokenizerBench VOCAB REPEATS OUT_DIR FILE.jsonl...");
            System.exit(2);
        }
        Path vocab = Path.of(args[0]);
        int repeats = Integer.parseInt(args[1]);
        Path outDir = Path.of(args[2]);
        for (int f = 3; f < args.length; f++) {
            Path file = Path.of(args[f]);
            List<String> texts = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) texts.add((String) JsonFiles.parseValue(line, file.toString()));
            }
            long t0 = System.nanoTime();
            ClipTokenizer tokenizer = ClipTokenizer.load(vocab); // a fresh BPE cache for every file
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            t0 = System.nanoTime();
            long c0 = THREADS.getCurrentThreadCpuTime();
            TokenBatch batch = tokenizer.batch(texts, ClipTokenizer.DEFAULT_CONTEXT_LENGTH, true);
            double firstCpu = (THREADS.getCurrentThreadCpuTime() - c0) / 1e9;
            double firstSeconds = (System.nanoTime() - t0) / 1e9;
            // Best of at least REPEATS passes and three seconds (about what the Python side runs): a pass over 5,000
            // captions takes milliseconds, so a few passes alone would measure the machine's other load instead.
            double best = Double.MAX_VALUE, bestCpu = Double.MAX_VALUE, total = 0;
            for (int r = 0; r < repeats || total < MIN_STEADY_SECONDS; r++) {
                t0 = System.nanoTime();
                c0 = THREADS.getCurrentThreadCpuTime();
                tokenizer.batch(texts, ClipTokenizer.DEFAULT_CONTEXT_LENGTH, true);
                bestCpu = Math.min(bestCpu, (THREADS.getCurrentThreadCpuTime() - c0) / 1e9);
                double seconds = (System.nanoTime() - t0) / 1e9;
                best = Math.min(best, seconds);
                total += seconds;
            }
            String name = file.getFileName().toString().replaceFirst("\\.jsonl$", "");
            Npy.writeLongs(outDir.resolve(name + ".java_ids.npy"), batch.ids(), batch.rows(), batch.contextLength());
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("name", name);
            result.put("captions", texts.size());
            result.put("load_s", loadSeconds);
            result.put("first_pass_s", firstSeconds);
            result.put("steady_s", best);
            result.put("first_pass_cpu_s", firstCpu);
            result.put("steady_cpu_s", bestCpu);
            System.out.println(JsonFiles.compact(result));
        }
    }
}
