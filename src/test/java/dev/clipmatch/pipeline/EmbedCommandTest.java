package dev.clipmatch.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.ClipMatch;
import dev.clipmatch.TestData;
import dev.clipmatch.TestJson;
import dev.clipmatch.cli.Main;
import dev.clipmatch.io.Checksums;
import dev.clipmatch.io.InputLists;
import dev.clipmatch.io.Npy;
import dev.clipmatch.model.TinyModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** clipmatch embed end to end with the tiny model: outputs against PyTorch, sidecar, skip/fail, resume through the embedding cache. */
class EmbedCommandTest {
    @TempDir
    Path dir;

    private String stderr = "";

    /** Runs the CLI; {@code embed} gets this test's own embedding cache unless the arguments name one. */
    private int run(String... args) {
        if (args[0].equals("embed") && !List.of(args).contains("--cache-dir")) {
            args = Arrays.copyOf(args, args.length + 2);
            args[args.length - 2] = "--cache-dir";
            args[args.length - 1] = dir.resolve("cache").toString();
        }
        PrintStream oldErr = System.err, oldOut = System.out;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        System.setOut(new PrintStream(new ByteArrayOutputStream(), true));
        try {
            return Main.run(args);
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
            stderr = err.toString(StandardCharsets.UTF_8);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> list(Object o) {
        return (List<String>) o;
    }

    private static Map<String, Object> sidecar(Path npy) throws IOException {
        return TestJson.parseObject(Files.readString(EmbedJob.sidecarPath(npy)));
    }

    private static void assertRowsClose(float[] got, float[] want, double tol) {
        assertEquals(want.length, got.length);
        double m = 0;
        for (int i = 0; i < got.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]));
        assertTrue(m < tol, "max abs difference " + m);
    }

    @Test
    void textsMatchPyTorchAndSidecarDescribesThem() throws IOException {
        Path vocab = TestData.path("clip/bpe_simple_vocab_16e6.txt.gz");
        Path texts = dir.resolve("captions.txt");
        Files.write(texts, list(TinyModels.meta().get("captions")), StandardCharsets.UTF_8);
        Path out = dir.resolve("texts.npy");
        assertEquals(0, run("embed", "--model", TinyModels.hfDir().toString(), "--texts", texts.toString(), "--out", out.toString(),
                "--vocab", vocab.toString(), "--batch-size", "4", "--threads", "1"), stderr);
        Npy.FloatArray got = Npy.readFloats(out);
        assertArrayEquals(new long[] {6, 64}, got.shape());
        assertRowsClose(got.data(), TinyModels.textEmbeds().data(), 1e-4);
        Map<String, Object> side = sidecar(out);
        assertEquals(6L, side.get("count"));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), side.get("order"));
        assertEquals(Checksums.sha256(TinyModels.hfDir().resolve("model.safetensors")), side.get("checkpoint_sha256"));
        assertEquals("hf-directory", side.get("checkpoint_format"));
        assertTrue(stderr.contains("texts/s"), stderr);
        try (var files = Files.walk(dir.resolve("cache/embeddings"))) {
            String key = side.get("checkpoint_sha256").toString().substring(0, 16);
            assertTrue(files.anyMatch(f -> f.endsWith("texts.bin") && f.getParent().getFileName().toString().startsWith(key)), "sweep's embedding cache");
        }
    }

    @Test
    void normalizeGivesUnitRows() {
        Path vocab = TestData.path("clip/bpe_simple_vocab_16e6.txt.gz");
        Path texts = dir.resolve("t.txt");
        try {
            Files.writeString(texts, "a photo of a cat\na dog\n");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        Path out = dir.resolve("n.npy");
        assertEquals(0, run("embed", "--model", TinyModels.openClip().toString(), "--texts", texts.toString(), "--out", out.toString(),
                "--vocab", vocab.toString(), "--normalize"), stderr);
        float[] e = Npy.readFloats(out).data();
        for (int r = 0; r < 2; r++) {
            double ss = 0;
            for (int i = 0; i < 64; i++) ss += e[r * 64 + i] * e[r * 64 + i];
            assertEquals(1.0, ss, 1e-5);
        }
    }

    /** The fixture images that are opaque (PIL resizes RGBA premultiplied, a separate preprocessing question). */
    private List<Integer> opaqueFixtureImages() {
        List<String> images = list(TinyModels.meta().get("images"));
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) if (!images.get(i).equals("clip/CLIP.png")) rows.add(i);
        return rows;
    }

    @Test
    void imagesFromListFileMatchPyTorch() throws IOException {
        List<String> images = list(TinyModels.meta().get("images"));
        List<Integer> rows = opaqueFixtureImages();
        List<String> lines = new ArrayList<>();
        for (int r : rows) lines.add(TestData.path(images.get(r)).toAbsolutePath().toString());
        Path listFile = dir.resolve("images.txt");
        Files.write(listFile, lines);
        Path out = dir.resolve("images.npy");
        assertEquals(0, run("embed", "--model", TinyModels.torchScript().toString(), "--images", listFile.toString(), "--out", out.toString(),
                "--batch-size", "2"), stderr);
        float[] got = Npy.readFloats(out).data();
        float[] ref = TinyModels.imageEmbeds().data();
        float[] want = new float[rows.size() * 64];
        for (int i = 0; i < rows.size(); i++) System.arraycopy(ref, rows.get(i) * 64, want, i * 64, 64);
        assertRowsClose(got, want, 1e-4);
        assertEquals(lines, sidecar(out).get("order"));
    }

    private Path imageDir(int count) throws IOException {
        Path images = Files.createDirectories(dir.resolve("imgs"));
        Path src = TestData.path("refs/jina_clip/man_piercing.jpg");
        Path src2 = TestData.path("coco/000000039769.png");
        for (int i = 0; i < count; i++) Files.copy(i % 2 == 0 ? src : src2, images.resolve(String.format("img%02d%s", i, i % 2 == 0 ? ".jpg" : ".png")));
        return images;
    }

    @Test
    void directoryIsSortedAndBadImagesAreSkippedOrFail() throws IOException {
        Path images = imageDir(3);
        Files.writeString(images.resolve("img01b.jpg"), "not an image");
        Files.writeString(images.resolve("notes.txt"), "ignored: not an image extension");
        Path out = dir.resolve("skip.npy");
        assertEquals(0, run("embed", "--model", TinyModels.openClip().toString(), "--images", images.toString(), "--out", out.toString(),
                "--on-error", "skip"), stderr);
        Map<String, Object> side = sidecar(out);
        assertEquals(3L, side.get("count"));
        assertEquals(List.of("img00.jpg", "img01.png", "img02.jpg"),
                list(side.get("order")).stream().map(p -> Path.of(p).getFileName().toString()).toList());
        assertEquals(1, list(side.get("skipped")).size());
        assertTrue(list(side.get("skipped")).get(0).contains("img01b.jpg"));
        assertTrue(stderr.contains("skipped"), stderr);

        Path failOut = dir.resolve("fail.npy");
        assertEquals(2, run("embed", "--model", TinyModels.openClip().toString(), "--images", images.toString(), "--out", failOut.toString()));
        assertTrue(stderr.contains("img01b.jpg"), stderr);
        assertFalse(Files.exists(failOut));
    }

    /** Four distinct photos (distinct content: the cache keys images by their bytes). */
    private Path distinctImages() throws IOException {
        Path images = Files.createDirectories(dir.resolve("distinct"));
        for (String name : List.of("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg")) Files.copy(TestData.path("skimage/" + name), images.resolve(name));
        return images;
    }

    @Test
    void interruptedRunResumesFromTheEmbeddingCache() throws IOException {
        Path images = distinctImages();
        Path broken = images.resolve("coffee.png");
        byte[] good = Files.readAllBytes(broken);
        Files.writeString(broken, "truncated");
        Path out = dir.resolve("resume.npy");
        String[] args = {"embed", "--model", TinyModels.openClip().toString(), "--images", images.toString(), "--out", out.toString(), "--batch-size", "1"};
        assertEquals(2, run(args));
        assertTrue(stderr.contains("coffee.png"), stderr);
        assertFalse(Files.exists(out));
        Files.write(broken, good);
        assertEquals(0, run(args), stderr);
        assertTrue(stderr.contains("embed: 2 of 4 images already in the embedding cache"), stderr);
        assertTrue(stderr.contains("embed: 4 / 4 images"), stderr);
        Path fresh = dir.resolve("fresh.npy");
        assertEquals(0, run("embed", "--model", TinyModels.openClip().toString(), "--images", images.toString(), "--out", fresh.toString(),
                "--batch-size", "1", "--cache-dir", dir.resolve("other-cache").toString()), stderr);
        assertArrayEquals(Npy.readFloats(fresh).data(), Npy.readFloats(out).data());
        assertEquals(sidecar(fresh).get("order"), sidecar(out).get("order"));
        assertEquals(Files.readString(dir.resolve("fresh.json")).replace("fresh", "resume"), Files.readString(dir.resolve("resume.json")).replace("fresh", "resume"));
    }

    /**
     * An image file replaced between the moment clipmatch learns its content and the moment it decodes it must not
     * file one content's vector under the other's key: the cache would serve the wrong vector for good. The file is
     * swapped when embed reports what the cache holds (after the old code hashed every file, before it decoded any).
     */
    @Test
    void aFileReplacedDuringTheRunNeverPoisonsTheCache() throws IOException {
        Path images = distinctImages();
        Path cacheDir = dir.resolve("cache");
        Path first = Files.write(dir.resolve("first.txt"), List.of(images.resolve("astronaut.png").toString()));
        assertEquals(0, run("embed", "--model", TinyModels.openClip().toString(), "--images", first.toString(), "--out", dir.resolve("first.npy").toString()), stderr);

        Path swapped = images.resolve("chelsea.png");
        byte[] original = Files.readAllBytes(swapped);
        ByteArrayOutputStream log = new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                super.write(b, off, len);
                if (toString(StandardCharsets.UTF_8).contains("already in the embedding cache")) {
                    try {
                        Files.copy(TestData.path("skimage/horse.png"), swapped, StandardCopyOption.REPLACE_EXISTING);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
        };
        ClipMatch clip = ClipMatch.load(TinyModels.openClip().toString(), new ClipMatch.Options(cacheDir, null, null, 1, "cpu"));
        new EmbedJob(clip, cacheDir, new PrintStream(log, true, StandardCharsets.UTF_8)).run(new EmbedJob.Images(images, InputLists.images(images)),
                new EmbedJob.Settings(Encoder.Settings.imageDefaults(), false), dir.resolve("during.npy"));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("embed: 1 of 4 images already in the embedding cache"), log.toString(StandardCharsets.UTF_8));

        Files.write(swapped, original);
        Path again = dir.resolve("again.npy"), fresh = dir.resolve("fresh.npy");
        assertEquals(0, run("embed", "--model", TinyModels.openClip().toString(), "--images", images.toString(), "--out", again.toString()), stderr);
        assertEquals(0, run("embed", "--model", TinyModels.openClip().toString(), "--images", images.toString(), "--out", fresh.toString(),
                "--cache-dir", dir.resolve("other-cache").toString()), stderr);
        assertArrayEquals(Npy.readFloats(fresh).data(), Npy.readFloats(again).data(), "the cache serves each content its own vector");
    }

    @Test
    void identicalFilesUnderTwoNamesAreTwoRowsAndSaid() throws IOException {
        Path images = distinctImages();
        Files.copy(images.resolve("chelsea.png"), images.resolve("copy.png"));
        Path out = dir.resolve("dup.npy");
        assertEquals(0, run("embed", "--model", TinyModels.openClip().toString(), "--images", images.toString(), "--out", out.toString()), stderr);
        String a = images.resolve("chelsea.png").toString(), b = images.resolve("copy.png").toString();
        assertTrue(stderr.contains("embed: notice: 1 listed image(s) have the same content as an earlier one") && stderr.contains(a + " = " + b), stderr);
        assertEquals(List.of(List.of(a, b)), sidecar(out).get("duplicate_content"));
        Npy.FloatArray e = Npy.readFloats(out);
        assertEquals(5, e.shape()[0]);
        assertArrayEquals(Arrays.copyOfRange(e.data(), 64, 128), Arrays.copyOfRange(e.data(), 192, 256), "chelsea.png and copy.png, rows 1 and 3 (sorted by name)");
        assertEquals(Checksums.sha256(out), sidecar(out).get("npy_sha256"));
    }

    /**
     * A text's cache key is its token ids: a vector cached under truncation is not served to a run without it (which
     * refuses the text), nor one cached with another vocabulary (the old key, the text itself, served both).
     */
    @Test
    void aCachedTextVectorServesOnlyTheSameTokenIds() throws IOException {
        Path vocab = TestData.path("clip/bpe_simple_vocab_16e6.txt.gz");
        String model = TinyModels.openClip().toString();
        Path longText = Files.writeString(dir.resolve("long.txt"), "short\n" + "word ".repeat(100) + "\n");
        Path out = dir.resolve("t.npy");
        assertEquals(0, run("embed", "--model", model, "--texts", longText.toString(), "--out", out.toString(), "--vocab", vocab.toString(), "--truncate"), stderr);
        assertEquals(2, run("embed", "--model", model, "--texts", longText.toString(), "--out", out.toString(), "--vocab", vocab.toString()));
        assertTrue(stderr.contains(longText + ": line 2: ") && stderr.contains("--truncate"), stderr);

        // the same merges in another order: other ids for the same text
        List<String> lines;
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(vocab))) {
            lines = new ArrayList<>(List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1)));
        }
        java.util.Collections.reverse(lines.subList(1, 2001));
        Path otherVocab = dir.resolve("reordered_vocab.txt.gz");
        try (var gz = new java.util.zip.GZIPOutputStream(Files.newOutputStream(otherVocab))) {
            gz.write(String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
        }
        String caption = "a dog runs on the beach";
        assertFalse(Arrays.equals(dev.clipmatch.tokenizer.ClipTokenizer.load(vocab).encode(caption),
                dev.clipmatch.tokenizer.ClipTokenizer.load(otherVocab).encode(caption)), "the reordered vocabulary must give other ids");
        Path texts = Files.writeString(dir.resolve("one.txt"), caption + "\n");
        Path first = dir.resolve("first.npy"), second = dir.resolve("second.npy"), fresh = dir.resolve("fresh.npy");
        assertEquals(0, run("embed", "--model", model, "--texts", texts.toString(), "--out", first.toString(), "--vocab", vocab.toString()), stderr);
        assertEquals(0, run("embed", "--model", model, "--texts", texts.toString(), "--out", second.toString(), "--vocab", otherVocab.toString()), stderr);
        assertFalse(stderr.contains("already in the embedding cache"), stderr);
        assertEquals(0, run("embed", "--model", model, "--texts", texts.toString(), "--out", fresh.toString(), "--vocab", otherVocab.toString(),
                "--cache-dir", dir.resolve("other-cache").toString()), stderr);
        assertArrayEquals(Npy.readFloats(fresh).data(), Npy.readFloats(second).data());
        assertFalse(Arrays.equals(Npy.readFloats(first).data(), Npy.readFloats(second).data()));
    }

    /** eval reads embed's outputs, and refuses a .npy its sidecar does not name (changed after embed wrote the pair). */
    @Test
    void evalRefusesANpyItsSidecarDoesNotName() throws IOException {
        Path vocab = TestData.path("clip/bpe_simple_vocab_16e6.txt.gz");
        Path texts = Files.writeString(dir.resolve("t.txt"), "one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\n");
        Path images = distinctImages(), im = dir.resolve("im.npy"), tx = dir.resolve("tx.npy");
        assertEquals(0, run("embed", "--model", TinyModels.openClip().toString(), "--images", images.toString(), "--out", im.toString()), stderr);
        assertEquals(0, run("embed", "--model", TinyModels.openClip().toString(), "--texts", texts.toString(), "--out", tx.toString(),
                "--vocab", vocab.toString()), stderr);
        assertEquals(0, run("eval", "--image-embeddings", im.toString(), "--text-embeddings", tx.toString()), stderr);
        Npy.FloatArray t = Npy.readFloats(tx);
        float[] changed = t.data().clone();
        changed[0] += 1;
        Npy.writeFloats(tx, changed, (int) t.shape()[0], (int) t.shape()[1]);
        assertEquals(2, run("eval", "--image-embeddings", im.toString(), "--text-embeddings", tx.toString()), stderr);
        assertTrue(stderr.contains(tx + ": does not match its embed sidecar tx.json"), stderr);
        assertEquals(1, stderr.strip().lines().count(), stderr);
    }

    /** What a killed writer of this output left is removed when the next run starts; another output's temporary file is not. */
    @Test
    void debrisOfAKilledRunIsClearedAndALoneNpyIsReplaced() throws IOException {
        Path vocab = TestData.path("clip/bpe_simple_vocab_16e6.txt.gz");
        Path texts = Files.writeString(dir.resolve("t.txt"), "one\ntwo\n");
        Path out = dir.resolve("out.npy");
        Npy.writeFloats(out, new float[] {1, 2}, 1, 2);  // a .npy whose run was killed before its sidecar
        List<Path> ours = List.of(dir.resolve(".out.npy.0123456789abcdef.tmp"), dir.resolve(".out.json.fedcba9876543210.tmp"));
        Path others = dir.resolve(".other.npy.0123456789abcdef.tmp");
        for (Path p : ours) Files.writeString(p, "half");
        Files.writeString(others, "another writer's");
        assertEquals(0, run("embed", "--model", TinyModels.openClip().toString(), "--texts", texts.toString(), "--out", out.toString(),
                "--vocab", vocab.toString()), stderr);
        assertTrue(stderr.contains("embed: notice: " + out + " has no sidecar"), stderr);
        for (Path p : ours) assertFalse(Files.exists(p), p + " removed");
        assertTrue(Files.exists(others), "another output's temporary file is left alone");
        assertArrayEquals(new long[] {2, 64}, Npy.readFloats(out).shape());
        assertEquals(Checksums.sha256(out), sidecar(out).get("npy_sha256"));
    }

    @Test
    void duplicateTextsAreEncodedOnce() throws IOException {
        Path vocab = TestData.path("clip/bpe_simple_vocab_16e6.txt.gz");
        Path texts = Files.writeString(dir.resolve("dup.txt"), "one\ntwo\none\n");
        Path out = dir.resolve("dup.npy");
        assertEquals(0, run("embed", "--model", TinyModels.openClip().toString(), "--texts", texts.toString(), "--out", out.toString(),
                "--vocab", vocab.toString()), stderr);
        assertTrue(stderr.contains("embed: 2 / 2 texts"), stderr);
        float[] e = Npy.readFloats(out).data();
        assertArrayEquals(Arrays.copyOfRange(e, 0, 64), Arrays.copyOfRange(e, 128, 192));
        assertEquals(List.of(1L, 2L, 3L), sidecar(out).get("order"));
    }

    @Test
    void badInputsAreOneLineErrors() throws IOException {
        Path vocab = TestData.path("clip/bpe_simple_vocab_16e6.txt.gz");
        Path out = dir.resolve("x.npy");
        Path empty = Files.writeString(dir.resolve("empty.txt"), "");
        assertEquals(2, run("embed", "--model", TinyModels.openClip().toString(), "--texts", empty.toString(), "--out", out.toString(), "--vocab", vocab.toString()));
        assertTrue(stderr.contains("no inputs"), stderr);
        Path bad = Files.write(dir.resolve("bad.txt"), new byte[] {'o', 'k', '\n', (byte) 0xff, 'x', '\n'});
        assertEquals(2, run("embed", "--model", TinyModels.openClip().toString(), "--texts", bad.toString(), "--out", out.toString(), "--vocab", vocab.toString()));
        assertTrue(stderr.contains("line 2 is not valid UTF-8"), stderr);
        Path longText = Files.writeString(dir.resolve("long.txt"), "short\n" + "word ".repeat(100) + "\n");
        assertEquals(2, run("embed", "--model", TinyModels.openClip().toString(), "--texts", longText.toString(), "--out", out.toString(), "--vocab", vocab.toString()));
        assertTrue(stderr.contains("--truncate") && stderr.contains(longText + ": line 2: "), stderr);
        assertEquals(0, run("embed", "--model", TinyModels.openClip().toString(), "--texts", longText.toString(), "--out", out.toString(), "--vocab", vocab.toString(), "--truncate"), stderr);
        assertEquals(2, run("embed", "--model", dir.resolve("nope.pt").toString(), "--texts", longText.toString(), "--out", out.toString()));
        assertTrue(stderr.contains("nope.pt"), stderr);
        assertEquals(2, run("embed", "--model", TinyModels.openClip().toString(), "--out", out.toString()));
        assertFalse(stderr.contains("Exception"), stderr);
    }
}
