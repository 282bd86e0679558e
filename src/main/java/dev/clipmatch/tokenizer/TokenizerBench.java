package dev.clipmatch.tokenizer;

import dev.clipmatch.io.Json;
import dev.clipmatch.io.Npy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Java side of tools/bench_tokenizer.py (not part of the CLI): times {@link ClipTokenizer#batch} (context 77,
 * truncate, as {@code clip.tokenize(truncate=True)}) on caption files, one JSON string per line, and writes the
 * padded ids as {@code .npy} for the harness's parity check. Prints one JSON object per file.
 *
 * <p>Usage: {@code java -cp target/classes:$(cat target/classpath.txt) dev.clipmatch.tokenizer.TokenizerBench
 * VOCAB REPEATS OUT_DIR FILE.jsonl...}
 */
public final class TokenizerBench {
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
                if (!line.isBlank()) texts.add((String) Json.parse(line));
            }
            long t0 = System.nanoTime();
            ClipTokenizer tokenizer = ClipTokenizer.load(vocab); // a fresh BPE cache for every file
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            t0 = System.nanoTime();
            TokenBatch batch = tokenizer.batch(texts, ClipTokenizer.DEFAULT_CONTEXT_LENGTH, true);
            double firstSeconds = (System.nanoTime() - t0) / 1e9;
            double best = Double.MAX_VALUE;
            for (int r = 0; r < repeats; r++) {
                t0 = System.nanoTime();
                tokenizer.batch(texts, ClipTokenizer.DEFAULT_CONTEXT_LENGTH, true);
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            String name = file.getFileName().toString().replaceFirst("\\.jsonl$", "");
            Npy.writeLongs(outDir.resolve(name + ".java_ids.npy"), batch.ids(), batch.rows(), batch.contextLength());
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("name", name);
            result.put("captions", texts.size());
            result.put("load_s", loadSeconds);
            result.put("first_pass_s", firstSeconds);
            result.put("steady_s", best);
            System.out.println(Json.write(result));
        }
    }
}
