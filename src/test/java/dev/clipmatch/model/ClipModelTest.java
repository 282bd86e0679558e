package dev.clipmatch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.io.Npy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tiny fixtures in all three formats against the embeddings PyTorch computed for the same weights. */
class ClipModelTest {
    private static final double TOL = 1e-4;

    private static double maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length, "lengths");
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    private static void checkAgainstPyTorch(Path checkpoint, CheckpointFormat format) {
        ClipModel model = ClipModel.load(checkpoint);
        assertEquals(format, model.checkpoint().format());
        Npy.FloatArray px = TinyModels.pixels();
        float[] img = model.encodeImages(px.data(), px.rows());
        double imgErr = maxAbsDiff(img, TinyModels.imageEmbeds().data());
        assertTrue(imgErr < TOL, format + " image embeddings differ from PyTorch by " + imgErr);
        long[] ids = TinyModels.tokenIds();
        int rows = ids.length / 77;
        float[] txt = model.encodeTexts(ids, rows, 77);
        double txtErr = maxAbsDiff(txt, TinyModels.textEmbeds().data());
        assertTrue(txtErr < TOL, format + " text embeddings differ from PyTorch by " + txtErr);
    }

    @Test
    void torchScriptArchiveMatchesPyTorch() {
        checkAgainstPyTorch(TinyModels.torchScript(), CheckpointFormat.TORCHSCRIPT);
    }

    @Test
    void openClipSafetensorsMatchesPyTorch() {
        checkAgainstPyTorch(TinyModels.openClip(), CheckpointFormat.SAFETENSORS);
    }

    @Test
    void huggingFaceDirectoryMatchesPyTorch() {
        checkAgainstPyTorch(TinyModels.hfDir(), CheckpointFormat.HF_DIRECTORY);
    }

    private static final List<String> PACKED_LINEARS = List.of("visual.conv1.weight", "visual.proj", "text_projection",
            "visual.transformer.resblocks.0.attn.in_proj_weight", "visual.transformer.resblocks.1.mlp.c_proj.bias",
            "transformer.resblocks.0.attn.out_proj.weight", "transformer.resblocks.1.mlp.c_fc.weight");

    @Test
    void aPackedModelHoldsItsLinearWeightsOnce() {
        // packed: the LibTorch copies are released (the packed ones serve); per item: nothing is packed, all are kept
        for (Path p : List.of(TinyModels.torchScript(), TinyModels.openClip(), TinyModels.hfDir())) {
            StateDict packed = ClipModel.load(p).checkpoint().weights();
            StateDict perItem = ClipModel.load(p, null, ClipModel.Encoding.PER_ITEM).checkpoint().weights();
            for (String key : PACKED_LINEARS) {
                assertFalse(packed.has(key), p + ": " + key + " still held beside its packed copy");
                assertTrue(perItem.has(key), p + ": " + key);
            }
            assertTrue(packed.has("visual.transformer.resblocks.0.ln_1.weight") && packed.has("token_embedding.weight"), p + ": non-linear weights stay");
        }
        // towers without a packed path keep theirs: CoCa's attentional pooler (image) and text class token (text)
        StateDict coca = ClipModel.load(TinyModels.openClipVariant("open_clip_towers", "coca")).checkpoint().weights();
        assertTrue(coca.has("visual.transformer.resblocks.0.attn.in_proj_weight") && coca.has("transformer.resblocks.0.mlp.c_fc.weight"));
    }

    @Test
    void allFormatsGiveTheSameEmbeddings() {
        Npy.FloatArray px = TinyModels.pixels();
        long[] ids = TinyModels.tokenIds();
        float[] refImg = null, refTxt = null;
        for (Path p : List.of(TinyModels.openClip(), TinyModels.torchScript(), TinyModels.hfDir())) {
            ClipModel m = ClipModel.load(p);
            float[] img = m.encodeImages(px.data(), px.rows());
            float[] txt = m.encodeTexts(ids, ids.length / 77, 77);
            if (refImg == null) {
                refImg = img;
                refTxt = txt;
            } else {
                assertTrue(maxAbsDiff(img, refImg) < 1e-5, p + " image embeddings differ from the open_clip file");
                assertTrue(maxAbsDiff(txt, refTxt) < 1e-5, p + " text embeddings differ from the open_clip file");
            }
        }
    }

    @Test
    void hyperParametersAreInferredFromShapes() {
        Map<String, Object> meta = TinyModels.meta();
        @SuppressWarnings("unchecked") Map<String, Object> vision = (Map<String, Object>) meta.get("vision");
        @SuppressWarnings("unchecked") Map<String, Object> text = (Map<String, Object>) meta.get("text");
        for (Path p : List.of(TinyModels.openClip(), TinyModels.torchScript(), TinyModels.hfDir())) {
            ClipConfig c = ClipModel.load(p).config();
            assertEquals(((Long) meta.get("embed_dim")).intValue(), c.embedDim());
            assertEquals(((Long) vision.get("width")).intValue(), c.visionWidth());
            assertEquals(((Long) vision.get("layers")).intValue(), c.visionLayers());
            assertEquals(((Long) meta.get("vision_heads")).intValue(), c.visionHeads());
            assertEquals(((Long) vision.get("patch")).intValue(), c.patch());
            assertEquals(((Long) vision.get("resolution")).intValue(), c.resolution());
            assertEquals(((Long) text.get("width")).intValue(), c.textWidth());
            assertEquals(((Long) text.get("layers")).intValue(), c.textLayers());
            assertEquals(((Long) meta.get("text_heads")).intValue(), c.textHeads());
            assertEquals(77, c.contextLength());
            assertEquals(49408, c.vocabSize());
        }
    }

    @Test
    void trimmedAndFullLengthTextEncodingAgree() {
        ClipModel m = ClipModel.load(TinyModels.openClip());
        long[] ids = TinyModels.tokenIds();
        int rows = ids.length / 77;
        double diff = maxAbsDiff(m.encodeTexts(ids, rows, 77, true), m.encodeTexts(ids, rows, 77, false));
        assertTrue(diff < 1e-5, "trimming changed text embeddings by " + diff);
        // one caption alone is trimmed to its own length; it must equal its row in the batch
        float[] all = m.encodeTexts(ids, rows, 77);
        int e = m.config().embedDim();
        for (int r = 0; r < rows; r++) {
            long[] one = java.util.Arrays.copyOfRange(ids, r * 77, (r + 1) * 77);
            float[] single = m.encodeTexts(one, 1, 77);
            float[] row = java.util.Arrays.copyOfRange(all, r * e, (r + 1) * e);
            assertTrue(maxAbsDiff(single, row) < 1e-5, "caption " + r + " alone differs from its batch row");
        }
    }

    @Test
    void threadedChunksGiveTheSameEmbeddings() {
        ClipModel m = ClipModel.load(TinyModels.openClip());
        m.setThreads(1);
        Npy.FloatArray px = TinyModels.pixels();
        long[] ids = TinyModels.tokenIds();
        float[] img1 = m.encodeImages(px.data(), px.rows());
        float[] txt1 = m.encodeTexts(ids, ids.length / 77, 77);
        m.setThreads(3);
        assertEquals(3, m.threads());
        assertTrue(maxAbsDiff(m.encodeImages(px.data(), px.rows()), img1) < 1e-5, "images");
        assertTrue(maxAbsDiff(m.encodeTexts(ids, ids.length / 77, 77), txt1) < 1e-5, "texts");
    }

    @Test
    void geluActivationFromOpenClipAndHuggingFaceConfigs(@TempDir Path dir) throws IOException {
        Npy.FloatArray px = TinyModels.pixels();
        long[] ids = TinyModels.tokenIds();
        float[] gelu = Npy.readFloats(TinyModels.resource("image_embeds_gelu.npy")).data();
        float[] geluText = Npy.readFloats(TinyModels.resource("text_embeds_gelu.npy")).data();
        Path openClip = Files.createDirectories(dir.resolve("open_clip"));
        Files.copy(TinyModels.openClipFile(), openClip.resolve("open_clip_model.safetensors"));
        String quickGelu = Files.readString(Path.of(TinyModels.openClipArch()));
        Files.writeString(openClip.resolve("open_clip_config.json"), "{\"model_cfg\": " + quickGelu.replace("\"quick_gelu\": true", "\"quick_gelu\": false") + "}");
        ClipModel m = ClipModel.load(openClip);
        assertEquals(ClipConfig.Activation.GELU, m.config().visionActivation());
        assertTrue(maxAbsDiff(m.encodeImages(px.data(), px.rows()), gelu) < TOL, "open_clip GELU images");
        assertTrue(maxAbsDiff(m.encodeTexts(ids, ids.length / 77, 77), geluText) < TOL, "open_clip GELU texts");
        Files.writeString(openClip.resolve("open_clip_config.json"), "{\"model_cfg\": " + quickGelu + "}");
        assertTrue(maxAbsDiff(ClipModel.load(openClip).encodeImages(px.data(), px.rows()), TinyModels.imageEmbeds().data()) < TOL, "quick_gelu");

        Path hf = Files.createDirectories(dir.resolve("hf"));
        Files.copy(TinyModels.hfDir().resolve("model.safetensors"), hf.resolve("model.safetensors"));
        Files.writeString(hf.resolve("config.json"), Files.readString(TinyModels.hfDir().resolve("config.json")).replace("quick_gelu", "gelu"));
        assertTrue(maxAbsDiff(ClipModel.load(hf).encodeTexts(ids, ids.length / 77, 77), geluText) < TOL, "HF hidden_act gelu");
    }

    @Test
    void logitScaleIsExponentiated() {
        double stored = ((Number) TinyModels.meta().get("logit_scale")).doubleValue();
        assertEquals(Math.exp(stored), ClipModel.load(TinyModels.hfDir()).logitScale(), 1e-4);
    }
}
