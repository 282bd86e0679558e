package dev.clipmatch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.UnsupportedFeatureException;
import dev.clipmatch.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Never silently wrong: every open_clip config field is honoured, checked, known inert, or refused with one line
 * naming it; the fields and values below (and random ones no config has used) are refused, exit code 2.
 */
class OpenClipConfigTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path BASE = TinyModels.resource("../open_clip/vit-gelu");

    @TempDir
    Path dir;

    /** Every architecture open_clip ships either parses or is refused as unsupported, by name of the field. */
    @Test
    void everyShippedOpenClipArchitectureIsAcceptedOrRefusedByField() {
        List<String> names = OpenClipConfig.archNames();
        assertTrue(names.size() > 100, "models/open_clip/index.json lists open_clip's configs");
        TreeMap<String, String> refused = new TreeMap<>();
        List<String> accepted = new ArrayList<>();
        for (String name : names) {
            try {
                OpenClipConfig.forArch(name);
                accepted.add(name);
            } catch (UnsupportedFeatureException e) {
                assertTrue(e.getMessage().startsWith("open_clip architecture " + name + ": "), e.getMessage());
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
                refused.put(name, e.getMessage());
            }
        }
        for (String ok : List.of("ViT-B-32", "ViT-B-32-quickgelu", "ViT-B-16", "ViT-L-14", "ViT-L-14-336", "ViT-H-14", "ViT-bigG-14", "ViT-M-16-alt",
                "ViT-B-16-plus-240", "ViT-S-32", "ViT-H-14-378-quickgelu", "RN50", "RN101-quickgelu", "RN50x64", "ViT-B-16-SigLIP", "ViT-SO400M-14-SigLIP2",
                "ViT-gopt-16-SigLIP2-384", "ViT-B-16-SigLIP-i18n-256", "ViT-L-14-CLIPA", "ViT-bigG-14-CLIPA-336", "convnext_base_w", "convnext_base_w_320",
                "convnext_large_d", "convnext_large_d_320", "convnext_xxlarge", "convnext_tiny", "coca_ViT-B-32", "coca_ViT-L-14", "coca_base"))
            assertTrue(accepted.contains(ok), ok + " should be supported: " + refused.get(ok));
        for (String no : List.of("coca_roberta-ViT-B-32", "EVA02-B-16", "xlm-roberta-base-ViT-B-32", "MobileCLIP-S1"))
            assertTrue(refused.containsKey(no), no + " must be refused");
        for (String name : names) { // SigLIP (timm ViT trunks) and CLIPA: every shipped config
            if (name.contains("SigLIP") || name.contains("CLIPA")) assertTrue(accepted.contains(name), name + " should be supported: " + refused.get(name));
        }
        assertTrue(refused.get("EVA02-B-16").contains("timm_model_name"), refused.get("EVA02-B-16"));
        assertTrue(refused.get("coca_roberta-ViT-B-32").contains("hf_model_name"), refused.get("coca_roberta-ViT-B-32"));
        System.out.println("open_clip architectures: " + accepted.size() + " supported " + accepted + "; " + refused.size() + " refused");
        refused.forEach((k, v) -> System.out.println("  refused " + v));
    }

    @Test
    void openClipDefaultsAreOpenClipsNotShapeGuesses() {
        OpenClipConfig h = OpenClipConfig.forArch("ViT-H-14"); // head_width 80: 16 heads, not 1280 / 64
        assertEquals(16, h.arch().visionHeads());
        assertEquals(ClipConfig.Activation.GELU, h.arch().textAct());
        assertEquals(true, OpenClipConfig.forArch("ViT-M-16-alt").expected().get("vision_cfg.ls_init_value (layer scale)"));
        assertEquals(32, OpenClipConfig.forArch("RN50").arch().visionHeads()); // ModifiedResNet: width 64 * 32 / head_width 64
        assertEquals(ClipConfig.Activation.QUICK_GELU, OpenClipConfig.forArch("ViT-B-32-quickgelu").arch().visionAct());
        OpenClipConfig plus = OpenClipConfig.forArch("ViT-B-16-plus-240");
        assertEquals(240, plus.preprocess().size());
    }

    /** Field -> a value that changes the computation and is not implemented. */
    private static final String[][] UNSUPPORTED = {
            {"vision_cfg", "attentional_pool", "\"parallel\""},
            {"vision_cfg", "layers", "[3, 4, 6, 3]"},
            {"vision_cfg", "timm_model_name", "\"convnext_atto\""}, // timm's small ConvNeXts: 1x1-convolution MLPs
            {"vision_cfg", "timm_model_name", "\"convnext_large_mlp\""},
            {"vision_cfg", "timm_model_name", "\"convnextv2_base\""},
            {"vision_cfg", "pool_type", "\"none\""},
            {"vision_cfg", "qk_norm", "true"},
            {"vision_cfg", "scaled_cosine_attn", "true"},
            {"vision_cfg", "scale_heads", "true"},
            {"vision_cfg", "scale_attn_inner", "true"},
            {"vision_cfg", "scale_attn", "true"},
            {"vision_cfg", "scale_fc", "true"},
            {"vision_cfg", "block_type", "\"custom\""},
            {"vision_cfg", "act_kwargs", "{\"inplace\": true}"},
            {"vision_cfg", "norm_kwargs", "{\"elementwise_affine\": false}"},
            {"vision_cfg", "pos_embed_type", "\"rope\""},
            {"vision_cfg", "image_size", "[32, 48]"},
            {"text_cfg", "hf_model_name", "\"roberta-base\""},
            {"text_cfg", "tokenizer_kwargs", "{\"clean\": \"canonicalize\"}"},
            {"text_cfg", "tokenizer_mode", "\"bytes\""},
            {"text_cfg", "embed_cls", "true"},
            {"text_cfg", "pool_type", "\"none\""},
            {"text_cfg", "proj_type", "\"mlp\""},
            {"text_cfg", "qk_norm", "true"},
            {"text_cfg", "norm_kwargs", "{\"eps\": 1e-6}"}, // eps differing between the towers
            {"", "multimodal_cfg", "{\"width\": 32}"},
            {"preprocess", "resize_mode", "\"longest\""},
            {"preprocess", "interpolation", "\"nearest\""},
            {"preprocess", "mode", "\"RGBA\""},
    };

    @Test
    void everyUnsupportedFieldIsRefusedByNameWithExitCode2() throws IOException {
        for (String[] u : UNSUPPORTED) {
            Path folder = variant(u[0], u[1], u[2]);
            String err = refusal(folder);
            assertTrue(err.contains(u[1]), u[1] + "=" + u[2] + " refused without naming the field: " + err);
        }
    }

    /** Fields and values never seen: random names in every section, and random values of the known fields' wrong types. */
    @Test
    void generatedUnknownFieldsAndValuesAreRefused() throws IOException {
        Random rnd = new Random(11);
        String[] sections = {"", "vision_cfg", "text_cfg", "preprocess"};
        for (int i = 0; i < 12; i++) {
            String section = sections[i % sections.length];
            String field = "future_" + Long.toString(rnd.nextLong() & Long.MAX_VALUE, 36);
            String[] values = {"true", "1", "\"x\"", "[1, 2]", "{\"a\": 1}", "0.5"};
            Path folder = variant(section, field, values[rnd.nextInt(values.length)]);
            String err = refusal(folder);
            assertTrue(err.contains(field), err);
        }
        // a known field with a value of the wrong kind is a config error, never a guess
        String[][] wrongKinds = {{"vision_cfg", "width", "\"wide\""}, {"text_cfg", "heads", "2.5"}, {"text_cfg", "no_causal_mask", "\"yes\""},
                {"", "quick_gelu", "1"}, {"vision_cfg", "final_ln_after_pool", "\"true\""}, {"text_cfg", "pool_type", "7"}};
        for (String[] w : wrongKinds) assertTrue(refusal(variant(w[0], w[1], w[2])).contains(w[1]), w[1]);
    }

    @Test
    void configsThatDisagreeWithTheWeightsAreRefused() throws IOException {
        for (String[] v : new String[][] {{"vision_cfg", "width", "64"}, {"text_cfg", "layers", "3"}, {"vision_cfg", "mlp_ratio", "2.0"},
                {"text_cfg", "proj_bias", "true"}, {"vision_cfg", "ls_init_value", "0.1"}, {"vision_cfg", "no_ln_pre", "true"},
                {"text_cfg", "context_length", "64"}, {"", "embed_dim", "32"}, {"text_cfg", "heads", "3"}, {"vision_cfg", "attentional_pool", "true"},
                {"vision_cfg", "timm_model_name", "\"convnext_base\""}}) {
            assertTrue(refusal(variant(v[0], v[1], v[2])).contains(v[1]), v[1]);
        }
    }

    /** Fields known not to change inference (training-only) are accepted and change nothing. */
    @Test
    void inertFieldsChangeNothing() throws IOException {
        ClipModel base = ClipModel.load(folder(BASE));
        long[] ids = dev.clipmatch.io.Npy.readLongs(BASE.resolve("token_ids.npy"));
        float[] want = base.encodeTexts(ids, ids.length / 77, 77);
        for (String[] v : new String[][] {{"vision_cfg", "patch_dropout", "0.5"}, {"vision_cfg", "output_tokens", "true"},
                {"text_cfg", "pad_id", "1"}, {"", "init_logit_scale", "1.0"}, {"vision_cfg", "timm_pool", "\"abs_attn\""},
                {"text_cfg", "final_ln_after_pool", "true"}, {"preprocess", "fill_color", "255"}}) {
            ClipModel m = ClipModel.load(variant(v[0], v[1], v[2]));
            float[] got = m.encodeTexts(ids, ids.length / 77, 77);
            for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 1e-6, v[1]);
        }
    }

    @Test
    void aNamedArchitectureAndAFolderConfigConflict() throws IOException {
        Path f = folder(BASE);
        assertThrows(UnsupportedFeatureException.class, () -> ClipModel.load(f, "ViT-B-32"));
        ClipMatchException unknown = assertThrows(ClipMatchException.class, () -> OpenClipConfig.forArch("ViT-Z-99"));
        assertTrue(unknown.getMessage().contains("ViT-B-32"), unknown.getMessage());
    }

    /** The CLI: a bare state dict runs with --arch and is refused without it, with the flag named as the remedy. */
    @Test
    void bareStateDictOnTheCommandLine() throws IOException {
        Path bare = dir.resolve("bare.safetensors");
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(BASE.resolve("open_clip_model.safetensors.gz")))) {
            Files.copy(in, bare);
        }
        Path arch = Files.writeString(dir.resolve("arch.json"), JSON.readTree(BASE.resolve("open_clip_config.json").toFile()).get("model_cfg").toString());
        Path texts = Files.writeString(dir.resolve("t.txt"), "a photo of a cat\n");
        String vocab = dev.clipmatch.TestData.path("clip/bpe_simple_vocab_16e6.txt.gz").toString();
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(2, Main.run("embed", "--model", bare.toString(), "--texts", texts.toString(), "--out", dir.resolve("a.npy").toString(), "--vocab", vocab));
            String line = err.toString(StandardCharsets.UTF_8).strip();
            assertEquals(1, line.lines().count(), line);
            assertTrue(line.contains("GELU or QuickGELU") && line.endsWith("(--arch NAME)"), line);
            assertEquals(0, Main.run("embed", "--model", bare.toString(), "--arch", arch.toString(), "--texts", texts.toString(),
                    "--out", dir.resolve("b.npy").toString(), "--vocab", vocab));
        } finally {
            System.setErr(old);
        }
        float[] got = dev.clipmatch.io.Npy.readFloats(dir.resolve("b.npy")).data();
        float[] want = dev.clipmatch.io.Npy.readFloats(BASE.resolve("text_embeds.npy")).data(); // row 0: "a photo of a cat"
        assertTrue(OpenClipOracleTest.minCosine(got, java.util.Arrays.copyOf(want, got.length), got.length) >= 0.99999);
    }

    /** Same weights under another architecture are another encoder: the embedding caches must not be shared. */
    @Test
    void cacheKeysFollowTheArchitectureNotOnlyTheWeights() throws IOException {
        String gelu = dev.clipmatch.ClipMatch.load(folder(BASE).toString()).cacheKey();
        assertEquals(gelu, dev.clipmatch.ClipMatch.load(folder(BASE).toString()).cacheKey());
        String quick = dev.clipmatch.ClipMatch.load(variant("", "quick_gelu", "true").toString()).cacheKey();
        assertFalse(gelu.equals(quick), gelu);
        assertTrue(quick.startsWith(gelu.substring(0, 16)), quick);
        Path rn = TinyModels.resource("../open_clip/resnet");
        assertEquals(ClipModel.load(folder(rn)).config().fingerprint(), ClipModel.load(folder(rn)).config().fingerprint());
    }

    /** ConvNeXt and CoCa configs: the fields and values of these families that clipmatch does not run are refused by name. */
    @Test
    void convNextAndCocaFieldsClipmatchDoesNotRunAreRefusedByName() throws IOException {
        Path convNext = TinyModels.resource("../open_clip_towers/convnext-linear"), coca = TinyModels.resource("../open_clip_towers/coca");
        Object[][] cases = {
                {convNext, "vision_cfg", "timm_pool", "\"abs_attn\""}, // attention pools: their own projection
                {convNext, "vision_cfg", "timm_pool", "\"rot_attn\""},
                {convNext, "vision_cfg", "timm_pool", "\"catavgmax\""}, // doubles the features
                {convNext, "vision_cfg", "timm_proj", "\"conv\""},
                {convNext, "vision_cfg", "timm_proj", "null"}, // Python's None: timm's classifier, which the weights lack
                {convNext, "vision_cfg", "timm_proj_bias", "true"}, // the weights have no projection bias
                {convNext, "vision_cfg", "timm_proj", "\"mlp\""}, // nor an Mlp head
                {convNext, "vision_cfg", "image_size", "100"},
                {convNext, "vision_cfg", "timm_model_name", "\"convnext_nano\""},
                {convNext, "vision_cfg", "timm_model_name", "\"vit_base_patch16_224\""},
                {coca, "vision_cfg", "attentional_pool", "\"cascade\""},
                {coca, "vision_cfg", "output_tokens", "false"}, // open_clip's CoCa would unpack the pooled embedding
                {coca, "text_cfg", "output_tokens", "false"},
                {coca, "", "custom_text", "false"}, // no CoCa without it
                {coca, "text_cfg", "embed_cls", "false"}, // the weights hold cls_emb
                {coca, "text_cfg", "pool_type", "\"none\""},
                {coca, "vision_cfg", "attn_pooler_queries", "7"}, // the weights hold 6
        };
        for (Object[] c : cases) {
            String err = refusal(variant((Path) c[0], (String) c[1], (String) c[2], (String) c[3]));
            assertTrue(err.contains((String) c[2]), c[2] + "=" + c[3] + " refused without naming the field: " + err);
        }
        // and what does not reach the tower is inert: open_clip hands timm only timm_* and image_size
        String fingerprint = ClipModel.load(folder(convNext)).config().fingerprint();
        for (String[] inert : new String[][] {{"pool_type", "\"avg\""}, {"width", "4096"}, {"timm_drop_path", "0.5"}, {"timm_pool", "null"}})
            assertEquals(fingerprint, ClipModel.load(variant(convNext, "vision_cfg", inert[0], inert[1])).config().fingerprint(), inert[0]);
        assertEquals(ClipModel.load(folder(coca)).config().fingerprint(),
                ClipModel.load(variant(coca, "", "multimodal_cfg", "{\"width\": 999, \"layers\": 3}")).config().fingerprint());
    }

    /** The fixture folder with one field set (section "" = model_cfg, "preprocess" = preprocess_cfg). */
    private Path variant(String section, String field, String valueJson) throws IOException {
        return variant(BASE, section, field, valueJson);
    }

    private Path variant(Path base, String section, String field, String valueJson) throws IOException {
        ObjectNode root = (ObjectNode) JSON.readTree(base.resolve("open_clip_config.json").toFile());
        ObjectNode model = (ObjectNode) root.get("model_cfg");
        ObjectNode target = switch (section) {
            case "" -> model;
            case "preprocess" -> root.has("preprocess_cfg") ? (ObjectNode) root.get("preprocess_cfg") : root.putObject("preprocess_cfg");
            default -> (ObjectNode) model.get(section);
        };
        JsonNode value = JSON.readTree(valueJson);
        target.set(field, value);
        Path f = folder(base);
        Files.writeString(f.resolve("open_clip_config.json"), JSON.writeValueAsString(root));
        return f;
    }

    private int count;

    private Path folder(Path src) throws IOException {
        Path f = Files.createDirectories(dir.resolve("m" + count++));
        Files.copy(src.resolve("open_clip_config.json"), f.resolve("open_clip_config.json"), StandardCopyOption.REPLACE_EXISTING);
        Path weights = dir.resolve(src.getFileName() + ".safetensors");
        if (!Files.exists(weights)) {
            try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(src.resolve("open_clip_model.safetensors.gz")))) {
                Files.copy(in, weights);
            }
        }
        Files.createLink(f.resolve("open_clip_model.safetensors"), weights);
        return f;
    }

    /** Runs {@code clipmatch embed} on the folder: it must exit 2 with one line on stderr, which is returned. */
    private String refusal(Path folder) throws IOException {
        Path texts = Files.writeString(dir.resolve("t.txt"), "a cat\n");
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Main.run("embed", "--model", folder.toString(), "--texts", texts.toString(), "--out", dir.resolve("o.npy").toString(),
                    "--vocab", dev.clipmatch.TestData.path("clip/bpe_simple_vocab_16e6.txt.gz").toString());
        } finally {
            System.setErr(old);
        }
        String s = err.toString(StandardCharsets.UTF_8).strip();
        if (rc != 2) fail("exit " + rc + " for " + Files.readString(folder.resolve("open_clip_config.json")) + "\n" + s);
        assertEquals(1, s.lines().count(), s);
        assertTrue(s.startsWith("clipmatch: "), s);
        return s;
    }
}
