package dev.clipmatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.CliRun;
import dev.clipmatch.TestJson;
import dev.clipmatch.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code clipmatch eval} end to end through the CLI: outputs, the JSON contract, and every kind of bad input. */
class EvalCommandTest {
    @TempDir
    Path dir;

    Path images, texts;
    final int n = 20, perImage = 5, dim = 8;

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @BeforeEach
    void writeEmbeddings() {
        Random rng = new Random(1);
        float[] im = new float[n * dim], tx = new float[n * perImage * dim];
        for (int i = 0; i < im.length; i++) im[i] = (float) rng.nextGaussian();
        for (int t = 0; t < n * perImage; t++)
            for (int d = 0; d < dim; d++) tx[t * dim + d] = im[(t / perImage) * dim + d] + (float) rng.nextGaussian();
        images = dir.resolve("img.npy");
        texts = dir.resolve("txt.npy");
        Npy.writeFloats(images, im, n, dim);
        Npy.writeFloats(texts, tx, n * perImage, dim);
    }

    @Test
    @SuppressWarnings("unchecked")
    void writesTableJsonAndCsv() throws Exception {
        Path json = dir.resolve("out/report.json"), csv = dir.resolve("report.csv");
        CliRun r = run("eval", "--image-embeddings", images.toString(), "--text-embeddings", texts.toString(),
                "--sample-images", "5,10", "--iterations", "7", "--seed", "3", "--json", json.toString(), "--csv", csv.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("image->text") && r.out().contains("Sampled: 10 images x 7 iterations"), r.out());
        Map<String, Object> report = TestJson.parseObject(Files.readString(json));
        assertEquals(List.of("images", "captions", "image_to_text", "text_to_image", "rsum", "sampled"), List.copyOf(report.keySet()));
        assertEquals(20L, report.get("images"));
        assertEquals(100L, report.get("captions"));
        Map<String, Object> i2t = (Map<String, Object>) report.get("image_to_text");
        assertEquals(List.of("R@1", "R@5", "R@10", "mean_rank", "median_rank"), List.copyOf(i2t.keySet()));
        List<Object> sampled = (List<Object>) report.get("sampled");
        assertEquals(2, sampled.size());
        Map<String, Object> s0 = (Map<String, Object>) sampled.get(0);
        assertEquals(5L, s0.get("images"));
        assertEquals(7L, s0.get("iterations"));
        assertEquals(3L, s0.get("seed"));
        Map<String, Object> r1 = (Map<String, Object>) ((Map<String, Object>) s0.get("text_to_image")).get("R@1");
        assertEquals(List.of("mean", "std", "ci95"), List.copyOf(r1.keySet()));
        List<String> rows = Files.readAllLines(csv);
        assertEquals("protocol,images,captions,iterations,seed,direction,metric,value,std,ci95_low,ci95_high", rows.get(0));
        assertEquals(1 + 11 + 2 * 11, rows.size());
    }

    @Test
    void float16EmbeddingsAndExplicitMappingWork() throws Exception {
        Npy.FloatArray a = Npy.readFloats(images);
        long[] map = new long[n * perImage];
        for (int t = 0; t < map.length; t++) map[t] = t / perImage;
        Path g = dir.resolve("g.npy");
        Npy.writeLongs(g, map, map.length);
        CliRun plain = run("eval", "--image-embeddings", images.toString(), "--text-embeddings", texts.toString());
        CliRun mapped = run("eval", "--image-embeddings", images.toString(), "--text-embeddings", texts.toString(), "--text-image", g.toString());
        assertEquals(plain.out(), mapped.out());
        assertEquals(n, a.rows());
    }

    @Test
    void similarityMatrixInputMatchesEmbeddings() throws Exception {
        Npy.FloatArray a = Npy.readFloats(images), b = Npy.readFloats(texts);
        float[] s = new dev.clipmatch.kernels.ReferenceKernels().similarity(
                new dev.clipmatch.kernels.Embeddings(a.data(), n, dim), new dev.clipmatch.kernels.Embeddings(b.data(), n * perImage, dim), true, 1f, false);
        Path sim = dir.resolve("s.npy");
        Npy.writeFloats(sim, s, n, n * perImage);
        CliRun fromEmb = run("eval", "--image-embeddings", images.toString(), "--text-embeddings", texts.toString(), "--sample-images", "4", "--iterations", "9");
        CliRun fromSim = run("eval", "--similarity", sim.toString(), "--sample-images", "4", "--iterations", "9");
        assertEquals(0, fromSim.code(), fromSim.err());
        assertEquals(fromEmb.out(), fromSim.out());
    }

    void assertBadInput(String expectedFragment, String... args) {
        CliRun r = run(args);
        assertEquals(2, r.code(), "exit code; stderr: " + r.err());
        assertTrue(r.err().contains(expectedFragment), "stderr should mention '" + expectedFragment + "': " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        // a -Pgpu build on a machine without a GPU adds the one-line CPU fallback notice
        assertEquals(1, r.err().strip().lines().filter(l -> !l.contains("no CUDA GPU available")).count(), "one line: " + r.err());
    }

    @Test
    void badInputsGiveOneLineErrorsAndExitCode2() throws Exception {
        String im = images.toString(), tx = texts.toString();
        assertBadInput("missing.npy: no such file", "eval", "--image-embeddings", dir.resolve("missing.npy").toString(), "--text-embeddings", tx);
        Path junk = dir.resolve("junk.npy");
        Files.writeString(junk, "not numpy at all");
        assertBadInput("junk.npy: not a .npy file", "eval", "--image-embeddings", junk.toString(), "--text-embeddings", tx);
        Path truncated = dir.resolve("trunc.npy");
        byte[] bytes = Files.readAllBytes(images);
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        assertBadInput("trunc.npy: truncated", "eval", "--image-embeddings", truncated.toString(), "--text-embeddings", tx);
        Path wide = dir.resolve("wide.npy");
        float[] ones = new float[n * 9];
        java.util.Arrays.fill(ones, 1f);
        Npy.writeFloats(wide, ones, n, 9);
        assertBadInput("has dimension 9", "eval", "--image-embeddings", wide.toString(), "--text-embeddings", tx);
        Path nan = dir.resolve("nan.npy");
        float[] withNan = Npy.readFloats(images).data();
        withNan[3 * dim + 2] = Float.NaN;
        Npy.writeFloats(nan, withNan, n, dim);
        assertBadInput("nan.npy: row 3, column 2 is NaN", "eval", "--image-embeddings", nan.toString(), "--text-embeddings", tx);
        Path zero = dir.resolve("zero.npy");
        float[] withZero = Npy.readFloats(images).data();
        java.util.Arrays.fill(withZero, 4 * dim, 5 * dim, 0f);
        Npy.writeFloats(zero, withZero, n, dim);
        assertBadInput("zero.npy: row 4 is all zeros", "eval", "--image-embeddings", zero.toString(), "--text-embeddings", tx);
        Path map = dir.resolve("map.npy");
        long[] m = new long[n * perImage];
        m[7] = n;
        Npy.writeLongs(map, m, m.length);
        assertBadInput("map.npy: caption 7 maps to image 20", "eval", "--image-embeddings", im, "--text-embeddings", tx, "--text-image", map.toString());
        m[7] = 0;
        Npy.writeLongs(map, m, m.length);
        assertBadInput("image 1 has no caption", "eval", "--image-embeddings", im, "--text-embeddings", tx, "--text-image", map.toString());
        Npy.writeLongs(map, new long[3], 3);
        assertBadInput("map.npy: has 3 entries but there are 100 captions", "eval", "--image-embeddings", im, "--text-embeddings", tx, "--text-image", map.toString());
        Path odd = dir.resolve("odd.npy");
        Npy.writeFloats(odd, java.util.Arrays.copyOf(Npy.readFloats(images).data(), 7 * dim), 7, dim);
        assertBadInput("do not divide evenly", "eval", "--image-embeddings", odd.toString(), "--text-embeddings", tx);
        assertBadInput("every K must be at least 1", "eval", "--image-embeddings", im, "--text-embeddings", tx, "--k", "0,5");
        assertBadInput("--sample-images 21", "eval", "--image-embeddings", im, "--text-embeddings", tx, "--sample-images", "21");
        assertBadInput("--device must be auto, cpu or cuda", "eval", "--image-embeddings", im, "--text-embeddings", tx, "--device", "tpu");
        assertBadInput("cuda", "eval", "--image-embeddings", im, "--text-embeddings", tx, "--device", "cuda");
        assertBadInput("Missing required argument(s): --text-embeddings", "eval", "--image-embeddings", im);
    }
}
