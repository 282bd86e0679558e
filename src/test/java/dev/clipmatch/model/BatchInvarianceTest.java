package dev.clipmatch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An item's embedding is a pure function of the item: encoded alone, in a batch of 7 or of 32, at any position,
 * beside any neighbours (longer or shorter captions), on any thread count, its vector is the same bit for bit.
 * This is what lets the content-addressed cache hold it, and a resumed run equal a fresh one.
 */
class BatchInvarianceTest {
    private static Path work;

    /** The ViT, and the ConvNeXt and CoCa towers (attentional pool, text class token). */
    static Stream<String> models() {
        return Stream.of("vit", "convnext-linear", "coca");
    }

    private static ClipModel model(String name) {
        if (name.equals("vit")) return ClipModel.load(TinyModels.torchScript());
        try {
            if (work == null) work = Files.createTempDirectory("clipmatch-batch-invariance");
            return ClipModel.load((Path) OpenClipOracleTest.forms(OpenClipTowerOracleTest.FIXTURES, name, work).get(0)[1]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterAll
    static void clean() {
        if (work != null) TinyModels.deleteTree(work);
    }

    private static float[] row(float[] all, int r, int dim) {
        return Arrays.copyOfRange(all, r * dim, (r + 1) * dim);
    }

    private static void assertBits(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++)
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), what + ": element " + i + " " + expected[i] + " vs " + actual[i]);
    }

    @ParameterizedTest
    @MethodSource("models")
    void imagesDoNotDependOnTheirBatch(String name) {
        ClipModel model = model(name);
        int s = model.config().resolution(), per = 3 * s * s, dim = model.config().embedDim();
        Random rng = new Random(11);
        float[] pool = new float[40 * per];
        for (int i = 0; i < pool.length; i++) pool[i] = (float) rng.nextGaussian();
        float[] alone = model.encodeImages(Arrays.copyOfRange(pool, 0, per), 1);
        for (int threads : new int[] {1, 2}) {
            model.setThreads(threads);
            for (int size : new int[] {7, 32}) {
                for (int position : new int[] {0, size / 2, size - 1}) {
                    float[] batch = Arrays.copyOfRange(pool, per, per + size * per);  // other images around it
                    System.arraycopy(pool, 0, batch, position * per, per);
                    float[] out = model.encodeImages(batch, size);
                    assertBits(alone, row(out, position, dim), "image at " + position + " of " + size + ", " + threads + " thread(s)");
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void captionsDoNotDependOnTheirBatch(String name) {
        ClipModel model = model(name);
        int ctx = model.config().contextLength(), dim = model.config().embedDim();
        Random rng = new Random(12);
        List<long[]> captions = new ArrayList<>();
        for (int c = 0; c < 40; c++) {
            int length = 3 + rng.nextInt(c % 5 == 0 ? 70 : 20);  // short and long neighbours
            long[] ids = new long[ctx];
            ids[0] = 49406;
            for (int k = 1; k < length - 1; k++) ids[k] = 1 + rng.nextInt(40000);
            ids[length - 1] = 49407;
            captions.add(ids);
        }
        long[] probe = captions.get(0);
        float[] alone = model.encodeTexts(probe, 1, ctx);
        for (int threads : new int[] {1, 2}) {
            model.setThreads(threads);
            for (int size : new int[] {7, 32}) {
                for (int position : new int[] {0, size / 2, size - 1}) {
                    long[] batch = new long[size * ctx];
                    for (int r = 0; r < size; r++) System.arraycopy(r == position ? probe : captions.get(1 + r), 0, batch, r * ctx, ctx);
                    float[] out = model.encodeTexts(batch, size, ctx);
                    assertBits(alone, row(out, position, dim), "caption at " + position + " of " + size + ", " + threads + " thread(s)");
                }
            }
        }
    }
}
