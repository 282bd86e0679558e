package dev.clipmatch.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.CliRun;
import dev.clipmatch.TestData;
import dev.clipmatch.data.DatasetReader;
import dev.clipmatch.TestJson;
import dev.clipmatch.io.Npy;
import dev.clipmatch.model.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dataset and argument problems are found before anything is encoded, and name the file and entry; doubtful
 * datasets (a file listed twice, paths leaving the images folder) are refused or said, never silently merged.
 */
class SweepInputChecksTest {
    @TempDir
    Path dir;

    Path model, cache, images;

    @BeforeEach
    void setUp() throws Exception {
        Path modelDir = Files.createDirectories(dir.resolve("model"));
        model = Files.copy(TinyModels.torchScript(), modelDir.resolve("tiny.pt"));
        Files.copy(TestData.path("clip/bpe_simple_vocab_16e6.txt.gz"), modelDir.resolve("bpe_simple_vocab_16e6.txt.gz"));
        cache = dir.resolve("cache");
        images = Files.createDirectories(dir.resolve("images"));
        try (var s = Files.list(TestData.path("flickr8k/images"))) {
            for (Path p : s.sorted().limit(4).toList()) Files.copy(p, images.resolve(p.getFileName()));
        }
    }

    private List<String> names() throws Exception {
        try (var s = Files.list(images)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private CliRun sweep(Path data, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of("sweep", "--model", model.toString(), "--dataset", data.toString(), "--images",
                images.toString(), "--sample-images", "2", "--iterations", "3", "--out", dir.resolve("run").toString(), "--cache-dir", cache.toString()));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(new String[0]));
    }

    private Path tsv(String... rows) throws Exception {
        return Files.write(dir.resolve("data.tsv"), List.of(rows));
    }

    private void assertNothingEncoded() {
        assertFalse(Files.exists(cache.resolve("embeddings")), "nothing was encoded");
    }

    @Test
    void tooLongCaptionIsNamedBeforeAnyEncoding() throws Exception {
        List<String> n = names();
        CliRun r = sweep(tsv(n.get(0) + "\ta dog", n.get(1) + "\ta cat", n.get(2) + "\t" + "a very long caption ".repeat(30), n.get(3) + "\ta bird"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("data.tsv: caption 2 (of image " + n.get(2) + "): text is 122 tokens"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertNothingEncoded();
    }

    @Test
    void oneFileUnderTwoNamesIsAnError() throws Exception {
        List<String> n = names();
        CliRun r = sweep(tsv(n.get(0) + "\ta dog", n.get(1) + "\ta cat", "./" + n.get(0) + "\tanother dog"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("images " + n.get(0) + " and ./" + n.get(0) + " are the same file"), r.err());
        assertNothingEncoded();
    }

    /** Two files with the same bytes stay two images (the dataset lists both), with equal vectors, and are said in one line and in report.json. */
    @Test
    @SuppressWarnings("unchecked")
    void identicalContentUnderTwoNamesIsKeptAndSaid() throws Exception {
        List<String> n = names();
        Files.copy(images.resolve(n.get(0)), images.resolve("copy.jpg"));
        CliRun r = sweep(tsv(n.get(0) + "\ta dog", n.get(1) + "\ta cat", "copy.jpg\tanother dog", n.get(2) + "\ta bird"));
        assertEquals(0, r.code(), r.err());
        List<String> notices = r.err().lines().filter(l -> l.contains("the same content")).toList();
        assertEquals(List.of("clipmatch: notice: 1 image(s) of data.tsv have the same content as an earlier one (kept as separate items with identical "
                + "embeddings; equal scores rank the lower index first): " + n.get(0) + " = copy.jpg"), notices);
        Map<String, Object> report = TestJson.parseObject(Files.readString(dir.resolve("run/report.json")));
        assertEquals(4L, report.get("images"));
        assertEquals(List.of(List.of(n.get(0), "copy.jpg")), ((Map<String, Object>) report.get("run")).get("duplicate_content"));
        float[] e = Npy.readFloats(dir.resolve("run/image_embeddings.npy")).data();
        assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOfRange(e, 0, 64)), java.util.Arrays.toString(java.util.Arrays.copyOfRange(e, 128, 192)));
    }

    @Test
    void pathsLeavingTheImagesFolderAreSaid() throws Exception {
        List<String> n = names();
        Files.move(images.resolve(n.get(3)), dir.resolve(n.get(3)));
        CliRun r = sweep(tsv(n.get(0) + "\ta dog", n.get(1) + "\ta cat", n.get(2) + "\ta bird", "../" + n.get(3) + "\ta fish"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("notice: 1 image(s) of data.tsv lie outside " + images + ": ../" + n.get(3)), r.err());
    }

    @Test
    void argumentsAreCheckedBeforeEncoding() throws Exception {
        List<String> n = names();
        Path data = tsv(n.get(0) + "\ta dog", n.get(1) + "\ta cat", n.get(2) + "\ta bird");
        Path file = Files.writeString(dir.resolve("run"), "not a folder");
        CliRun r = sweep(data);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(file + ": exists and is not a directory"), r.err());
        Files.delete(file);
        Path sim = dir.resolve("sim.npy");
        Npy.writeFloats(sim, new float[49], 7, 7);
        r = sweep(data, "--similarity", sim.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(sim + ": score matrix is 7 x 7 but data.tsv has 3 images and 3 captions"), r.err());
        r = sweep(data, "--sample-images", "9");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("9 exceeds the 3 images of data.tsv"), r.err());
        assertNothingEncoded();
    }

    @Test
    void datasetsRefuseRepeatedImagesAndEmptyCaptions() throws Exception {
        Path karpathy = Files.writeString(dir.resolve("k.json"),
                "[{\"image_name\": \"a.jpg\", \"captions\": [\"x\"]}, {\"image_name\": \"b.jpg\", \"captions\": [\"y\"]}, {\"image_name\": \"a.jpg\", \"captions\": [\"z\"]}]");
        ClipMatchException e = assertThrows(ClipMatchException.class, () -> DatasetReader.read(karpathy));
        assertEquals(karpathy + ": entry 3 repeats image a.jpg of entry 1 (one entry per image)", e.getMessage());
        Path empty = Files.write(dir.resolve("e.tsv"), List.of("a.jpg\tx", "b.jpg\t  "));
        e = assertThrows(ClipMatchException.class, () -> DatasetReader.read(empty));
        assertEquals(empty + ":2: empty caption for image b.jpg", e.getMessage());
    }

    @Test
    @SuppressWarnings("unchecked")
    void oneIterationHasNoSpreadAndSaysSo() throws Exception {
        Path im = dir.resolve("im.npy"), tx = dir.resolve("tx.npy"), json = dir.resolve("r.json");
        java.util.Random rng = new java.util.Random(3);
        float[] a = new float[40], b = new float[40];
        for (int i = 0; i < 40; i++) {
            a[i] = (float) rng.nextGaussian();
            b[i] = a[i] + (float) rng.nextGaussian();
        }
        Npy.writeFloats(im, a, 10, 4);
        Npy.writeFloats(tx, b, 10, 4);
        CliRun r = CliRun.of("eval", "--image-embeddings", im.toString(), "--text-embeddings", tx.toString(), "--sample-images", "5",
                "--iterations", "1", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("undefined (1 iteration)"), r.out());
        Map<String, Object> sampled = (Map<String, Object>) ((List<Object>) TestJson.parseObject(Files.readString(json)).get("sampled")).get(0);
        Map<String, Object> r1 = (Map<String, Object>) ((Map<String, Object>) sampled.get("image_to_text")).get("R@1");
        assertTrue(r1.containsKey("std") && r1.containsKey("ci95"));
        assertNull(r1.get("std"));
        assertNull(r1.get("ci95"));
    }

    @Test
    void outputsHonourTheUmask() throws Exception {
        Path reference = Files.createFile(dir.resolve("made-by-the-os"));
        Path out = dir.resolve("out.npy");
        Npy.writeFloats(out, new float[] {1, 2}, 2);
        assertEquals(PosixFilePermissions.toString(Files.getPosixFilePermissions(reference)), PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
    }
}
