package dev.clipmatch.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.clipmatch.TestData;
import dev.clipmatch.TestJson;
import dev.clipmatch.io.Npy;
import dev.clipmatch.model.TinyModels;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection on real processes: {@code sweep} killed with SIGKILL or SIGTERM while encoding and while its run
 * folder is written, a file-size limit standing for a full disk, two writers at once, damaged cache records and
 * hostile files. After each: the exit code and a one-line message, a run folder that is the previous run, the new
 * one, or marked incomplete (no report.json) — never a mixture — and, after a rerun, a report and embeddings
 * identical to an uninterrupted fresh run.
 */
class FaultInjectionTest {
    private static final int IMAGES = 64;

    @TempDir
    Path dir;

    Path model, images, dataset, cache;

    @BeforeEach
    void setUp() throws Exception {
        Path modelDir = Files.createDirectories(dir.resolve("model"));
        model = Files.copy(TinyModels.torchScript(), modelDir.resolve("tiny.pt"));
        Files.copy(TestData.path("clip/bpe_simple_vocab_16e6.txt.gz"), modelDir.resolve("bpe_simple_vocab_16e6.txt.gz"));
        images = Files.createDirectories(dir.resolve("images"));
        // Enough distinct images that encoding lasts long enough to be interrupted (each decoded and resized).
        Random rng = new Random(42);
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < IMAGES; i++) {
            BufferedImage im = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 240; y++)
                for (int x = 0; x < 320; x++) im.setRGB(x, y, (x * (i + 1) + y * 7 + rng.nextInt(40)) & 0xFFFFFF);
            ImageIO.write(im, "png", images.resolve("im" + i + ".png").toFile());
            rows.add("im" + i + ".png\tpicture number " + i + " of a pattern");
            rows.add("im" + i + ".png\t" + (i % 3 == 0 ? "a long caption about stripes and colours number " + i : "stripes " + i));
        }
        dataset = Files.write(dir.resolve("data.tsv"), rows);
        cache = dir.resolve("cache");
    }

    private List<String> sweepArgs(Path out, Path cacheDir) {
        return List.of("sweep", "--model", model.toString(), "--dataset", dataset.toString(), "--images", images.toString(), "--batch-size", "2",
                "--io-threads", "1", "--sample-images", "5,20", "--iterations", "9", "--seed", "3", "--out", out.toString(), "--cache-dir", cacheDir.toString());
    }

    private Process start(List<String> args, Path log, Integer fileLimitKb) throws Exception {
        List<String> cmd = new ArrayList<>();
        if (fileLimitKb != null) cmd.addAll(List.of("bash", "-c", "ulimit -f " + fileLimitKb + "; exec \"$@\"", "limited"));
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
                "-Dorg.bytedeco.javacpp.cachedir=" + System.getProperty("org.bytedeco.javacpp.cachedir", dir.resolve("javacpp").toString()),
                "-cp", System.getProperty("java.class.path"), "dev.clipmatch.cli.Main"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(log.resolveSibling(log.getFileName() + ".out").toFile()).redirectError(log.toFile());
        pb.environment().put("OPENCV_LOG_LEVEL", "FATAL");
        return pb.start();
    }

    private record Outcome(int code, String err) {}

    private Outcome finish(Process p, Path log) throws Exception {
        if (!p.waitFor(240, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("the process did not end: " + Files.readString(log));
        }
        return new Outcome(p.exitValue(), Files.readString(log));
    }

    private Outcome runToEnd(List<String> args, String name) throws Exception {
        Path log = dir.resolve(name + ".log");
        return finish(start(args, log, null), log);
    }

    /** Waits until {@code moment} holds while the process still runs; false if it ended first. */
    private static boolean waitFor(Process p, BooleanSupplier moment) throws InterruptedException {
        while (p.isAlive()) {
            if (moment.getAsBoolean()) return true;
            Thread.sleep(2);
        }
        return false;
    }

    private long cacheRecords() {
        try (var s = Files.walk(cache)) {
            Path bin = s.filter(p -> p.getFileName().toString().equals("images.bin")).findFirst().orElse(null);
            return bin == null ? 0 : (Files.size(bin) - 16) / (32 + 4 * 64 + 4);
        } catch (Exception e) {
            return 0;
        }
    }

    private static boolean stagingHasFiles(Path out) {
        try (var s = Files.list(out)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith(RunFolder.STAGING_PREFIX) && nonEmpty(p));
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean nonEmpty(Path d) {
        try (var s = Files.list(d)) {
            return s.findAny().isPresent();
        } catch (Exception e) {
            return false;
        }
    }

    /** The run's result without its timings and cache counts (which differ between a fresh run and a resumed one). */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> result(Path out) throws Exception {
        Map<String, Object> report = TestJson.parseObject(Files.readString(out.resolve("report.json")));
        Map<String, Object> run = (Map<String, Object>) report.get("run");
        run.remove("seconds");
        run.remove("images_encoded");
        run.remove("texts_encoded");
        return report;
    }

    /** A run folder holds one complete run (files agreeing with its report.json) or no report.json, and no debris is presented as a result. */
    @SuppressWarnings("unchecked")
    private static void assertConsistent(Path out) throws Exception {
        if (!Files.exists(out.resolve("report.json"))) return;
        long images = (Long) TestJson.parseObject(Files.readString(out.resolve("report.json"))).get("images");
        assertEquals(images, Npy.header(out.resolve("image_embeddings.npy")).shape()[0], "embeddings and report of the same run");
        assertEquals(images, (long) ((List<Object>) TestJson.parseObject(Files.readString(out.resolve("index.json"))).get("images")).size(), "index of the same run");
    }

    private void assertOneLine(Outcome o, int code, String expected) {
        assertEquals(code, o.code(), o.err());
        List<String> ours = o.err().lines().filter(l -> l.startsWith("clipmatch: ") && !l.startsWith("clipmatch: notice")).toList();
        assertEquals(1, ours.size(), "one line: " + o.err());
        assertTrue(ours.get(0).contains(expected), "says \"" + expected + "\": " + o.err());
        assertFalse(o.err().contains("\tat ") || o.err().contains("Exception"), "no stack trace: " + o.err());
    }

    @Test
    void killsDiskFullTwoWritersAndDamagedCacheAllEndInTheFreshResult() throws Exception {
        // The reference: an uninterrupted run with its own cache.
        Path reference = dir.resolve("reference");
        Outcome fresh = runToEnd(sweepArgs(reference, dir.resolve("cache-ref")), "fresh");
        assertEquals(0, fresh.code(), fresh.err());
        Map<String, Object> want = result(reference);
        byte[] wantImages = Files.readAllBytes(reference.resolve("image_embeddings.npy"));
        byte[] wantTexts = Files.readAllBytes(reference.resolve("text_embeddings.npy"));
        Path out = dir.resolve("run");

        // SIGKILL while encoding: nothing half-written is kept; the rerun resumes from the finished batches.
        Path log = dir.resolve("kill9.log");
        Process p = start(sweepArgs(out, cache), log, null);
        assertTrue(waitFor(p, () -> cacheRecords() > 0), "killed while encoding: " + Files.readString(log));
        p.destroyForcibly();
        p.waitFor();
        long kept = cacheRecords();
        assertTrue(kept > 0 && kept < IMAGES, "interrupted mid-encoding: " + kept + " of " + IMAGES + " cached");
        assertFalse(Files.exists(out.resolve("report.json")), "no report from an interrupted run");

        // SIGTERM while encoding: one line, exit 143.
        log = dir.resolve("term.log");
        p = start(sweepArgs(out, cache), log, null);
        long before = kept;
        assertTrue(waitFor(p, () -> cacheRecords() > before), "terminated while encoding: " + Files.readString(log));
        p.destroy();
        assertOneLine(finish(p, log), 143, "stopped by SIGTERM");

        // A full disk (a file-size limit makes the cache's next write fail): one line, exit 2, nothing lost.
        Outcome full = finish(start(sweepArgs(out, cache), dir.resolve("full.log"), 1 + (int) (Files.size(cache.resolve("embeddings")
                .resolve(Files.list(cache.resolve("embeddings")).findFirst().orElseThrow().getFileName()).resolve("images.bin")) / 1024)), dir.resolve("full.log"));
        assertOneLine(full, 2, "File too large");
        assertConsistent(out);

        // The rerun completes: report and embeddings identical to the fresh run's.
        Outcome resumed = runToEnd(sweepArgs(out, cache), "resumed");
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(want, result(out));
        assertArrayEquals(wantImages, Files.readAllBytes(out.resolve("image_embeddings.npy")), "image vectors identical after kills and resume");
        assertArrayEquals(wantTexts, Files.readAllBytes(out.resolve("text_embeddings.npy")), "caption vectors identical after kills and resume");

        // SIGKILL while the run folder is written (cache warm, so the run reaches it fast): the previous run stays whole.
        boolean hit = false;
        for (int attempt = 0; attempt < 5 && !hit; attempt++) {
            log = dir.resolve("kill9-write-" + attempt + ".log");
            p = start(sweepArgs(out, cache), log, null);
            hit = waitFor(p, () -> stagingHasFiles(out));
            p.destroyForcibly();
            p.waitFor();
            assertConsistent(out);
        }
        assertTrue(hit, "a kill landed while the run folder was being written");
        assertEquals(want, result(out), "the previous complete run is still there");

        // Two writers at once: one refuses in one line, the other completes.
        Path logA = dir.resolve("a.log"), logB = dir.resolve("b.log");
        Process a = start(sweepArgs(out, cache), logA, null), b = start(sweepArgs(out, cache), logB, null);
        Outcome oa = finish(a, logA), ob = finish(b, logB);
        assertTrue(oa.code() == 0 || ob.code() == 0, "one writer completes: " + oa.err() + ob.err());
        Outcome loser = oa.code() == 0 ? ob : oa;
        if (loser.code() != 0) assertOneLine(loser, 2, "another clipmatch");
        assertEquals(want, result(out));

        // Damaged cache records: found, said, re-encoded; the result does not change.
        try (var s = Files.walk(cache)) {
            for (Path bin : s.filter(f -> f.getFileName().toString().endsWith(".bin")).toList()) {
                byte[] bytes = Files.readAllBytes(bin);
                for (int i = 100; i < bytes.length; i += 997) bytes[i] ^= 0x10;
                Files.write(bin, bytes);
            }
        }
        Outcome healed = runToEnd(sweepArgs(out, cache), "healed");
        assertEquals(0, healed.code(), healed.err());
        assertTrue(healed.err().contains("damaged record(s) ignored"), healed.err());
        assertEquals(want, result(out));
        assertArrayEquals(wantImages, Files.readAllBytes(out.resolve("image_embeddings.npy")));
        try (var s = Files.list(out)) {
            assertEquals(List.of(".lock", "image_embeddings.npy", "index.json", "recall.png", "report.csv", "report.html", "report.json", "report.md", "text_embeddings.npy",
                    "text_image.npy", "thumbs"), s.map(f -> f.getFileName().toString()).sorted().toList(), "no debris left in the run folder");
        }
    }

    private List<String> embedArgs(Path out, Path cacheDir, Path input) {
        return List.of("embed", "--model", model.toString(), "--images", input.toString(), "--out", out.toString(), "--batch-size", "2",
                "--io-threads", "1", "--cache-dir", cacheDir.toString());
    }

    private static List<String> names(Path folder) throws Exception {
        try (var s = Files.list(folder)) {
            return s.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    private static boolean hasTemporaryFiles(Path folder) throws Exception {
        return names(folder).stream().anyMatch(n -> n.endsWith(".tmp"));
    }

    /** What a reader may find: no .npy and no sidecar, a .npy alone (not a result), or a pair whose sidecar names that .npy. */
    private static void assertNoMixedPair(Path npy) throws Exception {
        if (Files.exists(npy)) Npy.readFloats(npy);  // whole: a half-written file would not parse
        Path json = EmbedJob.sidecarPath(npy);
        if (!Files.exists(json)) return;
        assertTrue(Files.exists(npy), "a sidecar without its .npy");
        assertEquals(dev.clipmatch.io.Checksums.sha256(npy), TestJson.parseObject(Files.readString(json)).get("npy_sha256"), "the sidecar belongs to this .npy");
    }

    /**
     * {@code embed} under SIGKILL and SIGTERM while encoding and while its .npy and sidecar are written, and two
     * writers of one output at once (one held with SIGSTOP so that they overlap): after each, the exit code and a
     * one-line message, never a .npy beside another run's sidecar, and after a rerun, outputs byte-identical to an
     * uninterrupted fresh run's and no temporary file left.
     */
    @Test
    void embedKilledTerminatedAndRacedEndsInTheFreshResult() throws Exception {
        Path reference = dir.resolve("ref/out.npy");
        Outcome fresh = runToEnd(embedArgs(reference, dir.resolve("cache-ref"), images), "embed-fresh");
        assertEquals(0, fresh.code(), fresh.err());
        byte[] wantNpy = Files.readAllBytes(reference), wantJson = Files.readAllBytes(EmbedJob.sidecarPath(reference));
        Path outDir = Files.createDirectories(dir.resolve("emb"));
        Path out = outDir.resolve("out.npy"), json = EmbedJob.sidecarPath(out);

        // SIGKILL while encoding: no output at all; the finished batches are in the cache.
        Path log = dir.resolve("embed-kill9.log");
        Process p = start(embedArgs(out, cache, images), log, null);
        assertTrue(waitFor(p, () -> cacheRecords() > 0), "killed while encoding: " + Files.readString(log));
        p.destroyForcibly();
        assertEquals(137, p.waitFor(), "SIGKILL's exit status");
        long kept = cacheRecords();
        assertTrue(kept > 0 && kept < IMAGES, "interrupted mid-encoding: " + kept + " of " + IMAGES + " cached");
        assertFalse(Files.exists(out) || Files.exists(json), "no output from a killed run: " + names(outDir));

        // SIGTERM while encoding: one line, exit 143, still no output.
        log = dir.resolve("embed-term.log");
        p = start(embedArgs(out, cache, images), log, null);
        assertTrue(waitFor(p, () -> cacheRecords() > kept), "terminated while encoding: " + Files.readString(log));
        p.destroy();
        assertOneLine(finish(p, log), 143, "stopped by SIGTERM");
        assertFalse(Files.exists(out) || Files.exists(json), "no output from a terminated run: " + names(outDir));

        // The rerun resumes: outputs byte-identical to the fresh run's.
        Outcome resumed = runToEnd(embedArgs(out, cache, images), "embed-resumed");
        assertEquals(0, resumed.code(), resumed.err());
        assertArrayEquals(wantNpy, Files.readAllBytes(out), "vectors identical after kills and resume");
        assertArrayEquals(wantJson, Files.readAllBytes(json), "sidecar identical after kills and resume");

        // Kills while the outputs are written (cache warm, so a run reaches them fast), of a run embedding another
        // list, so that its .npy differs from the one in place: the pair on disk never mixes the two runs.
        Path half = Files.write(dir.resolve("half.txt"), IntStream.range(0, IMAGES / 2).mapToObj(i -> images.resolve("im" + i + ".png").toString()).toList());
        int hits = 0;
        for (int attempt = 0; attempt < 6; attempt++) {
            // Even attempts: SIGKILL as soon as a new .npy is in place (where a sidecar written after it, but not
            // removed before, would be another run's); odd: SIGTERM while a temporary file exists or the sidecar is gone.
            boolean term = attempt % 2 == 1;
            log = dir.resolve("embed-write-" + attempt + ".log");
            boolean hadSidecar = Files.exists(json);
            Object npyBefore = Files.readAttributes(out, BasicFileAttributes.class).fileKey();
            p = start(embedArgs(out, cache, half), log, null);
            boolean hit = waitFor(p, () -> {
                try {
                    if (!term) return Files.exists(out) && !npyBefore.equals(Files.readAttributes(out, BasicFileAttributes.class).fileKey());
                    return hasTemporaryFiles(outDir) || (hadSidecar && !Files.exists(json));
                } catch (Exception e) {
                    return false;
                }
            });
            if (term) p.destroy();
            else p.destroyForcibly();
            Outcome o = finish(p, log);
            if (o.code() != 0 && term) assertOneLine(o, 143, "stopped by SIGTERM");
            else if (o.code() != 0) assertEquals(137, o.code(), o.err());
            assertNoMixedPair(out);
            if (hit) hits++;
        }
        assertTrue(hits > 0, "a kill landed while the outputs were being written");

        // Two writers at once: the first held (SIGSTOP) while it encodes into a cold cache; the second refuses in one line.
        Path coldCache = dir.resolve("cache-cold");
        log = dir.resolve("embed-a.log");
        Process a = start(embedArgs(out, coldCache, images), log, null);
        assertTrue(waitFor(a, () -> Files.exists(coldCache.resolve("embeddings"))), "the first writer started encoding: " + Files.readString(log));
        assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(a.pid())).start().waitFor());
        try {
            Outcome b = runToEnd(embedArgs(out, cache, images), "embed-b");
            assertOneLine(b, 2, "another clipmatch process is writing this output");
        } finally {
            assertEquals(0, new ProcessBuilder("kill", "-CONT", Long.toString(a.pid())).start().waitFor());
        }
        Outcome oa = finish(a, log);
        assertEquals(0, oa.code(), oa.err());
        assertArrayEquals(wantNpy, Files.readAllBytes(out), "the writer that held the output completed it");
        assertArrayEquals(wantJson, Files.readAllBytes(json));
        assertEquals(List.of(".out.npy.lock", "out.json", "out.npy"), names(outDir), "no debris left beside the output");
    }

    @Test
    void hostileFilesAreSkippedByName() throws Exception {
        Files.delete(images.resolve("im1.png"));
        Process mk = new ProcessBuilder("mkfifo", images.resolve("im1.png").toString()).start();
        assertEquals(0, mk.waitFor());
        Files.write(images.resolve("im2.png"), "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 60000 +X 80000\n".getBytes());
        Outcome o = runToEnd(new ArrayList<>(sweepArgs(dir.resolve("run"), cache)) {{
            addAll(List.of("--on-error", "skip"));
        }}, "hostile");
        assertEquals(0, o.code(), o.err());
        String report = Files.readString(dir.resolve("run/report.json"));
        assertTrue(report.contains("im2.png: not an image in a supported format"), report);
        assertTrue(report.contains("im1.png"), report);
        assertEquals(IMAGES - 2, (long) (Long) TestJson.parseObject(report).get("images"));
    }
}
