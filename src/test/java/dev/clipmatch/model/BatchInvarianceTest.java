package dev.clipmatch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * An item's embedding is a pure function of the item: encoded alone, in a batch of 7 or of 32, at any position,
 * beside any neighbours (longer or shorter captions), on any thread count, its vector is the same bit for bit.
 * This is what lets the content-addressed cache hold it, and a resumed run equal a fresh one. Checked for the
 * packed path on each tower variant it serves (QuickGELU, GELU, average pooling with the final LN after it, layer
 * scale, bidirectional text at full context, EOS pooling) and for the one-item-per-call path (ResNet, ConvNeXt,
 * CoCa's attentional pooler and text class token, and any tower with packed encoding off); the two paths agree to
 * the oracle tests' tolerance. (SigLIP's timm tower: OpenClipHfOracleTest.)
 */
class BatchInvarianceTest {
    static Stream<Arguments> models() {
        Path tiny = TinyModels.torchScript();
        return Stream.of(Arguments.of("tiny-openai", tiny, true), Arguments.of("tiny-openai per item", tiny, false),
                variant("vit-gelu"), variant("avg-pool-final-ln"), variant("layer-scale"), variant("text-noncausal-last"),
                variant("text-eos"), variant("resnet"),
                tower("convnext-linear"), tower("coca"), tower("attn-pool-avg-cls"));
    }

    /** ConvNeXt, CoCa's attentional pooler and text class token: towers on the per-item path. */
    private static Arguments tower(String name) {
        return Arguments.of(name, TinyModels.openClipVariant("open_clip_towers", name), true);
    }

    private static Arguments variant(String name) {
        return Arguments.of(name, TinyModels.openClipVariant(name), true);
    }

    private static ClipModel load(Path checkpoint, boolean packed) {
        return ClipModel.load(checkpoint, null, packed ? ClipModel.Encoding.PACKED : ClipModel.Encoding.PER_ITEM);
    }

    private static float[] row(float[] all, int r, int dim) {
        return Arrays.copyOfRange(all, r * dim, (r + 1) * dim);
    }

    private static void assertBits(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++)
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), what + ": element " + i + " " + expected[i] + " vs " + actual[i]);
    }

    private static float[] images(ClipModel model, int count, long seed) {
        int s = model.config().resolution(), per = 3 * s * s;
        Random rng = new Random(seed);
        float[] pool = new float[count * per];
        for (int i = 0; i < pool.length; i++) pool[i] = (float) rng.nextGaussian();
        return pool;
    }

    private static List<long[]> captions(ClipModel model, int count, long seed) {
        int ctx = model.config().contextLength();
        Random rng = new Random(seed);
        List<long[]> captions = new ArrayList<>();
        for (int c = 0; c < count; c++) {
            int length = 3 + rng.nextInt(c % 5 == 0 ? 70 : 20);  // short and long neighbours
            long[] ids = new long[ctx];
            ids[0] = 49406;
            for (int k = 1; k < length - 1; k++) ids[k] = 1 + rng.nextInt(40000);
            ids[length - 1] = 49407;
            captions.add(ids);
        }
        return captions;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void imagesDoNotDependOnTheirBatch(String name, Path checkpoint, boolean packed) {
        ClipModel model = load(checkpoint, packed);
        int s = model.config().resolution(), per = 3 * s * s, dim = model.config().embedDim();
        float[] pool = images(model, 40, 11);
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

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void captionsDoNotDependOnTheirBatch(String name, Path checkpoint, boolean packed) {
        ClipModel model = load(checkpoint, packed);
        int ctx = model.config().contextLength(), dim = model.config().embedDim();
        List<long[]> captions = captions(model, 40, 12);
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

    @Test
    void aBatchSplitIntoSeveralPackedPartsChangesNoBit() {
        // 120 captions at the full context (no trimming) are 9,240 rows: more than one packed part even on one thread
        ClipModel model = ClipModel.load(TinyModels.torchScript());
        model.setThreads(1);
        int ctx = model.config().contextLength(), dim = model.config().embedDim(), rows = 120;
        List<long[]> captions = captions(model, rows, 15);
        long[] batch = captions.stream().flatMapToLong(Arrays::stream).toArray();
        float[] out = model.encodeTexts(batch, rows, ctx, false);
        for (int r : new int[] {0, 59, 60, 106, 107, 119})
            assertBits(model.encodeTexts(captions.get(r), 1, ctx, false), row(out, r, dim), "caption " + r + " of " + rows);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void packedAndPerItemPathsAgree(String name, Path checkpoint, boolean packed) {
        ClipModel model = load(checkpoint, true), perItem = load(checkpoint, false);
        int dim = model.config().embedDim(), ctx = model.config().contextLength();
        float[] pixels = images(model, 5, 13);
        assertClose(perItem.encodeImages(pixels, 5), model.encodeImages(pixels, 5), dim, name + " images");
        long[] ids = captions(model, 9, 14).stream().flatMapToLong(Arrays::stream).toArray();
        float[] a = perItem.encodeTexts(ids, 9, ctx), b = model.encodeTexts(ids, 9, ctx);
        assertClose(a, b, dim, name + " captions");
        // close is not equal: the cache key names the arithmetic, so vectors of the two paths never share a cache
        if (!Arrays.equals(a, b)) assertNotEquals(perItem.arithmetic(), model.arithmetic(), name);
    }

    @Test
    void cacheKeysNameTheArithmetic() {
        dev.clipmatch.ClipMatch clip = dev.clipmatch.ClipMatch.load(TinyModels.torchScript().toString());
        assertTrue(clip.cacheKey().contains(ClipModel.load(TinyModels.torchScript()).arithmetic()), clip.cacheKey());
    }

    private static void assertClose(float[] want, float[] got, int dim, String what) {
        for (int r = 0; r < want.length / dim; r++) {
            double dot = 0, nw = 0, ng = 0;
            for (int i = r * dim; i < (r + 1) * dim; i++) {
                dot += (double) want[i] * got[i];
                nw += (double) want[i] * want[i];
                ng += (double) got[i] * got[i];
            }
            double cos = dot / Math.sqrt(nw * ng);
            assertTrue(cos >= 0.99999, what + ": row " + r + " cosine " + cos);
            assertTrue(Math.abs(Math.sqrt(nw) - Math.sqrt(ng)) <= 1e-4 * Math.sqrt(nw), what + ": row " + r + " norms differ");
        }
    }
}
