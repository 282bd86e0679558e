package dev.clipmatch;

import static dev.clipmatch.io.NpyBytes.npy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.clipmatch.data.DatasetReader;
import dev.clipmatch.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inputs that used to give a stack trace, a hang or a silently wrong value: each is now one line and exit 2, or the right value. */
class HostileInputsTest {
    @TempDir
    Path dir;

    private static void assertOneLine(CliRun r, String expected) {
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().lines().count(), "one line: " + r.err());
        assertTrue(r.err().startsWith("clipmatch: ") && r.err().contains(expected), "says \"" + expected + "\": " + r.err());
    }

    @Test
    void deeplyNestedJsonIsOneLineNotAStackOverflow() throws Exception {
        Path deep = dir.resolve("deep.json");
        Files.writeString(deep, "[".repeat(5000) + "]".repeat(5000));  // 10 KB
        ClipMatchException e = assertThrows(ClipMatchException.class, () -> DatasetReader.read(deep));
        assertTrue(e.getMessage().startsWith(deep + ": ") && e.getMessage().contains("nest"), e.getMessage());
        Path deepLines = dir.resolve("deep.jsonl");
        Files.writeString(deepLines, "{\"image\": \"a.jpg\", \"caption\": " + "[".repeat(5000) + "\n");
        assertThrows(ClipMatchException.class, () -> DatasetReader.read(deepLines));
    }

    @Test
    void npyShapeOverflowingInt64IsOneLine() throws Exception {
        Path huge = dir.resolve("huge.npy");
        Files.write(huge, npy("<f4", "(4294967296, 4294967296, 4)", new byte[16]));
        CliRun r = CliRun.of("eval", "--image-embeddings", huge.toString(), "--text-embeddings", huge.toString());
        assertOneLine(r, huge + ": .npy shape");
    }

    @Test
    void signedInt8IsReadSigned() throws Exception {
        Path i1 = dir.resolve("i1.npy");
        Files.write(i1, npy("|i1", "(3,)", new byte[] {0, 1, -1}));
        assertArrayEquals(new long[] {0, 1, -1}, Npy.readLongs(i1));
        Path u1 = dir.resolve("u1.npy");
        Files.write(u1, npy("|u1", "(3,)", new byte[] {0, 1, -1}));
        assertArrayEquals(new long[] {0, 1, 255}, Npy.readLongs(u1));
    }

    @Test
    void textImageMustBeOneDimensional() throws Exception {
        Path im = dir.resolve("im.npy"), tx = dir.resolve("tx.npy"), map = dir.resolve("map.npy");
        Npy.writeFloats(im, new float[] {1, 0, 0, 1}, 2, 2);
        Npy.writeFloats(tx, new float[] {1, 0, 0, 1}, 2, 2);
        Npy.writeLongs(map, new long[] {0, 1}, 2, 1);
        assertOneLine(CliRun.of("eval", "--image-embeddings", im.toString(), "--text-embeddings", tx.toString(), "--text-image", map.toString()),
                map + ": expected a 1-D array");
        Files.write(map, npy("|i1", "(2,)", new byte[] {0, -1}));  // -1 is out of range, not image 255
        assertOneLine(CliRun.of("eval", "--image-embeddings", im.toString(), "--text-embeddings", tx.toString(), "--text-image", map.toString()),
                "maps to image -1");
    }

    private Path fifo(String name) throws Exception {
        Path fifo = dir.resolve(name);
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assumeTrue(p.waitFor() == 0 && Files.exists(fifo), "mkfifo is not available");
        return fifo;
    }

    @Test
    void fifoAsAnImageIsRefusedWithoutBlocking() throws Exception {
        Path fifo = fifo("photo.jpg");
        Path out = dir.resolve("x.npy");
        // A blocking open would hang forever (nothing writes the FIFO): the timeout turns a hang into a failure.
        CliRun fail = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CliRun.of("preprocess", fifo.toString(), "--out", out.toString()));
        assertOneLine(fail, fifo + ": not a regular file");
        Path photo = Path.of(HostileInputsTest.class.getResource("/image/inputs/photo.jpg").toURI());
        CliRun skip = assertTimeoutPreemptively(Duration.ofSeconds(60),
                () -> CliRun.of("preprocess", fifo.toString(), photo.toString(), "--on-error", "skip", "--out", out.toString()));
        assertEquals(0, skip.code(), skip.err());
        assertTrue(skip.err().contains("skipped " + fifo + ": not a regular file"), skip.err());
    }

    @Test
    void deviceAsAnImageOrDatasetIsRefusedBeforeReading() throws Exception {
        Path zero = Path.of("/dev/zero");
        assumeTrue(Files.exists(zero), "no /dev/zero");
        Path out = dir.resolve("x.npy");
        assertOneLine(CliRun.of("preprocess", zero.toString(), "--out", out.toString()), "/dev/zero: not a regular file");
        assertFalse(Files.exists(out));
        Path fifo = fifo("captions.tsv");
        ClipMatchException e = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertThrows(ClipMatchException.class, () -> DatasetReader.read(fifo)));
        assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    }
}
