package dev.clipmatch.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.ClipMatchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of bad input is one clear ClipMatchException naming the file, never a crash or a silent grey image. */
class ImageBadInputTest {

    private static final ImagePreprocessor PRE = new ImagePreprocessor(PreprocessConfig.preset("clip-224"));

    @TempDir
    Path dir;

    private static byte[] resourceBytes(String name) throws Exception {
        return Files.readAllBytes(ImageFixturesTest.resource("/image/inputs/" + name));
    }

    private Path write(String name, byte[] bytes) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static void assertBad(Path file, String expected) {
        ClipMatchException e = assertThrows(ClipMatchException.class, () -> PRE.preprocess(file));
        assertTrue(e.getMessage().startsWith(file.toString() + ": "), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(expected), "says \"" + expected + "\": " + e.getMessage());
        assertTrue(e.getMessage().lines().count() == 1, "one line: " + e.getMessage());
    }

    /** A small real JPEG (a crop of a Flickr8k photo). */
    private static byte[] jpeg() throws Exception {
        return Files.readAllBytes(ImageFixturesTest.resource("/image/inputs/photo.jpg"));
    }

    @Test
    void missingFile() {
        assertBad(dir.resolve("nope.jpg"), "no such file");
    }

    @Test
    void directory() {
        assertBad(dir, "is a directory");
    }

    @Test
    void emptyFile() throws Exception {
        assertBad(write("empty.png", new byte[0]), "empty file");
    }

    @Test
    void notAnImage() throws Exception {
        assertBad(write("notes.jpg", "just some text, not pixels\n".repeat(20).getBytes()), "not an image in a supported format");
        byte[] random = new byte[5000];
        new java.util.Random(1).nextBytes(random);
        assertBad(write("random.bin", random), "not an image");
    }

    @Test
    void truncatedJpeg() throws Exception {
        byte[] full = jpeg();
        assertBad(write("half.jpg", Arrays.copyOf(full, full.length / 2)), "truncated or corrupt jpeg");
        assertBad(write("header-only.jpg", Arrays.copyOf(full, 300)), "truncated or corrupt jpeg");
        assertBad(write("soi.jpg", new byte[] {(byte) 0xFF, (byte) 0xD8}), "truncated or corrupt jpeg");
    }

    @Test
    void truncatedPng() throws Exception {
        byte[] full = resourceBytes("small-photo.png");
        assertBad(write("half.png", Arrays.copyOf(full, full.length / 2)), "truncated or corrupt png");
        assertBad(write("short.png", Arrays.copyOf(full, 20)), "truncated or corrupt png");
    }

    @Test
    void corruptPngBody() throws Exception {
        byte[] bytes = resourceBytes("small-photo.png");
        for (int i = 100; i < bytes.length - 20; i++) bytes[i] = (byte) (i * 31);
        assertBad(write("garbled.png", bytes), "truncated or corrupt png");
    }

    @Test
    void zeroSize() throws Exception {
        byte[] png = resourceBytes("small-photo.png");
        writeBe32(png, 16, 0);  // IHDR width
        assertBad(write("zero.png", png), "zero-size image");
        byte[] gif = {'G', 'I', 'F', '8', '9', 'a', 0, 0, 5, 0, 0, 0, 0};
        assertBad(write("zero.gif", gif), "zero-size image");
    }

    @Test
    void absurdDimensions() throws Exception {
        byte[] png = resourceBytes("small-photo.png");
        writeBe32(png, 16, 100_000);
        writeBe32(png, 20, 100_000);
        assertBad(write("huge.png", png), "image too large");
        byte[] jpeg = jpeg();
        int sof = sofOffset(jpeg);
        jpeg[sof + 5] = jpeg[sof + 6] = jpeg[sof + 7] = jpeg[sof + 8] = (byte) 0xFF;  // 65535 x 65535
        assertBad(write("huge.jpg", jpeg), "image too large");
        // 1 x 100,000 decodes fine, but would resize to 224 x 22,400,000: refused before any allocation
        java.awt.image.BufferedImage strip = new java.awt.image.BufferedImage(1, 100_000, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
        Path stripFile = dir.resolve("strip.png");
        javax.imageio.ImageIO.write(strip, "png", stripFile.toFile());
        assertBad(stripFile, "aspect ratio too extreme");
    }

    @Test
    void goodFileStillWorksAfterBadOnes() throws Exception {
        float[] a = PRE.preprocess(ImageFixturesTest.resource("/image/inputs/photo.bmp"));
        assertThrows(ClipMatchException.class, () -> PRE.preprocess(new byte[] {1, 2, 3}, "x"));
        assertArrayEquals(a, PRE.preprocess(ImageFixturesTest.resource("/image/inputs/photo.bmp")));
    }

    private static void writeBe32(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    private static int sofOffset(byte[] jpeg) {
        for (int i = 2; i + 1 < jpeg.length; i++)
            if ((jpeg[i] & 0xFF) == 0xFF && ((jpeg[i + 1] & 0xFF) == 0xC0 || (jpeg[i + 1] & 0xFF) == 0xC2)) return i;
        throw new AssertionError("no SOF marker");
    }
}
