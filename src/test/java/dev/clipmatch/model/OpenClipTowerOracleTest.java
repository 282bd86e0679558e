package dev.clipmatch.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.io.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * open_clip as the oracle for the ConvNeXt and CoCa towers (tools/make_open_clip_tower_fixtures.py): timm's ConvNeXt
 * with open_clip's heads, CoCa's attentional pooler and text class token. Same contract as {@link OpenClipOracleTest}:
 * cosine >= 0.99999 per row, from every published form.
 */
class OpenClipTowerOracleTest {
    static final Path FIXTURES = TinyModels.resource("../open_clip_towers");
    private static Path work;

    @BeforeAll
    static void unpack() throws IOException {
        work = Files.createTempDirectory("clipmatch-open-clip-towers");
    }

    @AfterAll
    static void clean() {
        TinyModels.deleteTree(work);
    }

    @TestFactory
    Stream<DynamicTest> everyVariantAndFormMatchesOpenClip() throws IOException {
        return OpenClipOracleTest.oracleTests(FIXTURES, work);
    }

    /**
     * The fixtures separate what they must: the same weights read with another LayerNorm eps (convnext_xxlarge's
     * 1e-5 as convnext_base's 1e-6), pool, pad id (the class token's key mask) or pooled query fall below the bar.
     */
    @Test
    void aWrongEpsPoolOrMaskIsFarBelowTheTolerance() throws IOException {
        String[][] changes = {{"convnext-mlp-max", "\"convnext_xxlarge\"", "\"convnext_base\"", "image"},
                {"convnext-mlp-max", "\"max\"", "\"avg\"", "image"},
                {"convnext-trunk-fc-avgmax", "\"avgmax\"", "\"max\"", "image"},
                {"attn-pool-avg-cls", "\"pool_type\":\"avg\"", "\"pool_type\":\"tok\"", "image"},
                {"attn-pool-avg-cls", "\"pad_id\":320", "\"pad_id\":0", "text"},
                {"coca", "\"pad_id\":0", "\"pad_id\":7", "text"}};
        for (String[] c : changes) {
            Object[] bareForm = OpenClipOracleTest.forms(FIXTURES, c[0], work).get(1);
            String arch = Files.readString(Path.of(bareForm[2].toString())).replace(" ", "");
            if (!arch.contains(c[1]) && c[1].contains("pad_id")) arch = arch.replace("\"embed_cls\":true", "\"embed_cls\":true," + c[1]);
            assertTrue(arch.contains(c[1]), c[0] + " config has " + c[1] + ": " + arch);
            Path wrong = Files.writeString(work.resolve(c[0] + "-wrong.json"), arch.replace(c[1], c[2]));
            ClipModel m = ClipModel.load((Path) bareForm[1], wrong.toString());
            Npy.FloatArray want = Npy.readFloats(FIXTURES.resolve(c[0]).resolve(c[3] + "_embeds.npy"));
            float[] got;
            if (c[3].equals("image")) {
                got = m.encodeImages(pixels(m, want.rows()), want.rows());
            } else {
                long[] ids = Npy.readLongs(FIXTURES.resolve(c[0]).resolve("token_ids.npy"));
                got = m.encodeTexts(ids, want.rows(), ids.length / want.rows());
            }
            double min = OpenClipOracleTest.minCosine(got, want.data(), want.cols());
            assertTrue(min < 0.999, c[0] + " with " + c[2] + " instead of " + c[1] + " should not pass: min cosine " + min);
        }
    }

    /** The class-token text tower runs only up to the last visible position: the same embeddings as the full context. */
    @Test
    void trimmedClassTokenTextEqualsTheFullContext() throws IOException {
        for (String variant : new String[] {"coca", "attn-pool-avg-cls"}) {
            ClipModel m = ClipModel.load((Path) OpenClipOracleTest.forms(FIXTURES, variant, work).get(0)[1]);
            long[] ids = Npy.readLongs(FIXTURES.resolve(variant).resolve("token_ids.npy"));
            int rows = 6, ctx = ids.length / rows;
            float[] trimmed = m.encodeTexts(ids, rows, ctx, true), full = m.encodeTexts(ids, rows, ctx, false);
            for (int i = 0; i < full.length; i++)
                org.junit.jupiter.api.Assertions.assertEquals(full[i], trimmed[i], 1e-5, variant + " element " + i);
        }
    }

    private static float[] pixels(ClipModel m, int count) throws IOException {
        var meta = new com.fasterxml.jackson.databind.ObjectMapper().readTree(FIXTURES.resolve("meta.json").toFile());
        var pre = new dev.clipmatch.image.ImagePreprocessor(m.checkpoint().preprocess());
        int per = 3 * m.config().resolution() * m.config().resolution();
        float[] out = new float[count * per];
        for (int i = 0; i < count; i++)
            System.arraycopy(pre.preprocess(dev.clipmatch.TestData.path(meta.get("images").get(i).asText())), 0, out, i * per, per);
        return out;
    }
}
