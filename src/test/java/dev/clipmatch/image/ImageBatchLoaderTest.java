package dev.clipmatch.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.ClipMatchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageBatchLoaderTest {

    private static final ImagePreprocessor PRE = new ImagePreprocessor(PreprocessConfig.preset("clip-224"));
    private static final String[] GOOD = {"photo.jpg", "small-photo.png", "palette.png", "grey16.png", "photo.webp", "strip.png"};

    @TempDir
    Path dir;

    private static Path input(String name) throws Exception {
        return ImageFixturesTest.resource("/image/inputs/" + name);
    }

    @Test
    void batchesKeepInputOrderAndMatchSingleImages() throws Exception {
        List<Path> paths = new ArrayList<>();
        for (int i = 0; i < 23; i++) paths.add(input(GOOD[(i * 5) % GOOD.length]));
        int len = PRE.tensorLength();
        try (ImageBatchLoader loader = new ImageBatchLoader(paths, PRE, 4, 3, false)) {
            assertEquals(6, loader.batchCount());
            int seen = 0;
            for (ImageBatch b : loader) {
                assertEquals(seen, b.start());
                assertEquals(Math.min(4, 23 - seen), b.count());
                assertEquals(b.count() * len, b.pixels().length);
                assertTrue(b.skipped().isEmpty());
                for (int i = 0; i < b.count(); i++) {
                    assertEquals(paths.get(seen + i), b.paths().get(i));
                    assertArrayEquals(PRE.preprocess(paths.get(seen + i)), Arrays.copyOfRange(b.pixels(), i * len, (i + 1) * len), "image " + (seen + i));
                }
                seen += b.count();
            }
            assertEquals(23, seen);
        }
    }

    /** Each image's hash is of the bytes read; the content filter leaves an image undecoded but still hashed. */
    @Test
    void everyImageIsHashedAndOnlyWantedContentIsDecoded() throws Exception {
        List<Path> paths = List.of(input("photo.jpg"), input("palette.png"), input("photo.jpg"), input("strip.png"), input("photo.webp"));
        byte[] skip = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(input("photo.jpg")));
        int len = PRE.tensorLength();
        List<Path> decoded = new ArrayList<>();
        byte[][] read = new byte[paths.size()][];
        try (ImageBatchLoader loader = new ImageBatchLoader(paths, PRE, 2, 2, false, sha256 -> !Arrays.equals(sha256, skip))) {
            for (ImageBatch b : loader) {
                assertEquals(Math.min(2, paths.size() - b.start()), b.inputs());
                System.arraycopy(b.read(), 0, read, b.start(), b.inputs());
                assertEquals(b.count() * len, b.pixels().length);
                for (int i = 0; i < b.count(); i++) {
                    decoded.add(b.paths().get(i));
                    assertArrayEquals(b.read()[b.positions()[i] - b.start()], b.sha256().get(i));
                    assertArrayEquals(PRE.preprocess(b.paths().get(i)), Arrays.copyOfRange(b.pixels(), i * len, (i + 1) * len));
                }
            }
        }
        assertEquals(List.of(paths.get(1), paths.get(3), paths.get(4)), decoded);
        for (int i = 0; i < paths.size(); i++)
            assertArrayEquals(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(paths.get(i))), read[i], "image " + i);
    }

    @Test
    void skipLeavesBadImagesOutAndReportsEachOne() throws Exception {
        Path empty = Files.write(dir.resolve("empty.jpg"), new byte[0]);
        Path text = Files.writeString(dir.resolve("text.png"), "hello");
        Path missing = dir.resolve("missing.jpg");
        List<Path> paths = List.of(input("photo.jpg"), empty, input("photo.bmp"), text, missing, input("palette.png"), input("photo.tif"));
        int len = PRE.tensorLength();
        List<ImageBatch> batches = new ArrayList<>();
        try (ImageBatchLoader loader = new ImageBatchLoader(paths, PRE, 3, 2, true)) {
            loader.forEach(batches::add);
        }
        assertEquals(3, batches.size());
        assertEquals(List.of(input("photo.jpg"), input("photo.bmp")), batches.get(0).paths());
        assertEquals(1, batches.get(0).skipped().size());
        assertTrue(batches.get(0).skipped().get(0).startsWith(empty + ": empty file"));
        assertArrayEquals(new int[] {0, 2}, batches.get(0).positions());
        assertEquals(List.of(input("palette.png")), batches.get(1).paths());
        assertArrayEquals(new int[] {5}, batches.get(1).positions());
        assertEquals(2, batches.get(1).skipped().size());
        assertTrue(batches.get(1).skipped().get(0).startsWith(text.toString()));
        assertTrue(batches.get(1).skipped().get(1).startsWith(missing + ": no such file"));
        assertEquals(len, batches.get(1).pixels().length);
        assertArrayEquals(PRE.preprocess(input("palette.png")), batches.get(1).pixels());
        assertArrayEquals(PRE.preprocess(input("photo.bmp")), Arrays.copyOfRange(batches.get(0).pixels(), len, 2 * len));
        assertEquals(6, batches.get(2).start());
    }

    @Test
    void failStopsAtTheFirstBadImage() throws Exception {
        Path bad = Files.write(dir.resolve("cut.jpg"), Arrays.copyOf(Files.readAllBytes(input("photo.jpg")), 500));
        List<Path> paths = List.of(input("photo.jpg"), input("photo.bmp"), input("photo.tif"), bad, input("palette.png"));
        try (ImageBatchLoader loader = new ImageBatchLoader(paths, PRE, 3, 2, false)) {
            Iterator<ImageBatch> it = loader.iterator();
            assertEquals(3, it.next().count());
            ClipMatchException e = assertThrows(ClipMatchException.class, it::next);
            assertTrue(e.getMessage().startsWith(bad + ": truncated"), e.getMessage());
        }
    }

    @Test
    void emptyListAndSingleUse() {
        try (ImageBatchLoader loader = new ImageBatchLoader(List.of(), PRE, 8, 1, false)) {
            assertFalse(loader.iterator().hasNext());
            assertThrows(IllegalStateException.class, loader::iterator);
        }
        assertThrows(ClipMatchException.class, () -> new ImageBatchLoader(List.of(), PRE, 0, 1, false));
        assertThrows(ClipMatchException.class, () -> new ImageBatchLoader(List.of(), PRE, 1, 0, false));
    }
}
