package dev.clipmatch.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.clipmatch.cli.Main;
import dev.clipmatch.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreprocessCommandTest {

    @TempDir
    Path dir;

    private static String input(String name) throws Exception {
        return ImageFixturesTest.resource("/image/inputs/" + name).toString();
    }

    @Test
    void oneImageGivesChw() throws Exception {
        Path out = dir.resolve("x.npy");
        assertEquals(0, Main.run("preprocess", input("photo.jpg"), "--size", "224", "--out", out.toString()));
        Npy.FloatArray a = Npy.readFloats(out);
        assertArrayEquals(new long[] {3, 224, 224}, a.shape());
        assertArrayEquals(new ImagePreprocessor(PreprocessConfig.preset("clip-224")).preprocess(Path.of(input("photo.jpg"))), a.data());
    }

    @Test
    void presetAndSizeChooseTheResolution() throws Exception {
        Path out = dir.resolve("x.npy");
        assertEquals(0, Main.run("preprocess", input("photo.bmp"), "--preset", "clip-336", "--out", out.toString()));
        assertArrayEquals(new long[] {3, 336, 336}, Npy.readFloats(out).shape());
        assertEquals(0, Main.run("preprocess", input("photo.bmp"), "--size", "96", "--out", out.toString()));
        assertArrayEquals(new long[] {3, 96, 96}, Npy.readFloats(out).shape());
    }

    @Test
    void severalImagesWithSkip() throws Exception {
        Path out = dir.resolve("batch.npy");
        Path bad = Files.writeString(dir.resolve("bad.jpg"), "not a jpeg");
        assertEquals(0, Main.run("preprocess", input("photo.jpg"), bad.toString(), input("palette.png"), "--on-error", "skip",
                "--threads", "2", "--batch-size", "2", "--out", out.toString()));
        Npy.FloatArray a = Npy.readFloats(out);
        assertArrayEquals(new long[] {2, 3, 224, 224}, a.shape());
        ImagePreprocessor pre = new ImagePreprocessor(PreprocessConfig.preset("clip-224"));
        int len = pre.tensorLength();
        assertArrayEquals(pre.preprocess(Path.of(input("palette.png"))), Arrays.copyOfRange(a.data(), len, 2 * len));
    }

    @Test
    void badInputExitsWithTwoAndWritesNothing() throws Exception {
        Path out = dir.resolve("y.npy");
        Path bad = Files.writeString(dir.resolve("bad.png"), "nope");
        assertEquals(2, Main.run("preprocess", input("photo.jpg"), bad.toString(), "--out", out.toString()));
        assertEquals(2, Main.run("preprocess", dir.resolve("missing.jpg").toString(), "--out", out.toString()));
        assertEquals(2, Main.run("preprocess", input("photo.jpg"), "--preset", "nope", "--out", out.toString()));
        assertEquals(2, Main.run("preprocess", input("photo.jpg"), "--on-error", "ignore", "--out", out.toString()));
        assertEquals(2, Main.run("preprocess", input("photo.jpg"), "--size", "0", "--out", out.toString()));
        assertEquals(2, Main.run("preprocess", bad.toString(), "--on-error", "skip", "--out", out.toString()));
        assertFalse(Files.exists(out));
    }
}
