package dev.clipmatch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clipmatch.ClipMatch;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.CliRun;
import dev.clipmatch.InputFileException;
import dev.clipmatch.TestData;
import dev.clipmatch.TextTooLongException;
import dev.clipmatch.io.Npy;
import dev.clipmatch.kernels.Embeddings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * open_clip as the oracle for the models with a Hugging Face tokenizer (tools/make_open_clip_hf_fixtures.py):
 * SigLIP and SigLIP 2 (timm ViT trunk with MAP pooling, sigmoid logits with a bias) and CLIPA (BERT tokenizer with
 * the separator stripped, avg pooling). Token ids must be open_clip's exactly, embeddings within cosine 0.99999 per
 * row, match probabilities within 1e-6 of open_clip's sigmoid (or softmax) of its logits; every published form.
 */
class OpenClipHfOracleTest {
    private static final double MIN_COSINE = 0.99999;
    private static final Path FIXTURES = TinyModels.resource("../open_clip_hf");
    private static final List<String> VARIANTS = List.of("siglip", "siglip2", "siglip-so400m", "clipa");
    private static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path work;

    @BeforeAll
    static void unpack() throws IOException {
        work = Files.createTempDirectory("clipmatch-open-clip-hf");
    }

    @AfterAll
    static void clean() {
        TinyModels.deleteTree(work);
    }

    private static List<String> texts(String field) throws IOException {
        List<String> out = new ArrayList<>();
        for (JsonNode c : JSON.readTree(FIXTURES.resolve("meta.json").toFile()).get(field)) out.add(c.asText());
        return out;
    }

    /** A model folder of the variant (config, safetensors, tokenizer files), its config edited by {@code edit}. */
    private static Path folder(String variant, String name, Consumer<ObjectNode> edit) throws IOException {
        Path src = FIXTURES.resolve(variant), dir = work.resolve(variant).resolve(name);
        Files.createDirectories(dir);
        ObjectNode config = (ObjectNode) JSON.readTree(src.resolve("open_clip_config.json").toFile());
        edit.accept((ObjectNode) config.get("model_cfg"));
        Files.writeString(dir.resolve("open_clip_config.json"), JSON.writeValueAsString(config));
        for (String f : TOKENIZER_FILES) Files.copy(src.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        gunzip(src.resolve("open_clip_model.safetensors.gz"), dir.resolve("open_clip_model.safetensors"));
        return dir;
    }

    /** The published forms: (label, checkpoint path, arch or null); bare weights lie beside the tokenizer files. */
    private static List<Object[]> forms(String variant) throws IOException {
        Path src = FIXTURES.resolve(variant);
        List<Object[]> out = new ArrayList<>();
        Path folder = folder(variant, "folder", c -> {});
        out.add(new Object[] {"folder", folder, null});
        Path bareDir = work.resolve(variant).resolve("bare");
        Files.createDirectories(bareDir);
        for (String f : TOKENIZER_FILES) Files.copy(src.resolve(f), bareDir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
        Path arch = bareDir.resolve(variant + ".json");
        Files.copy(src.resolve("open_clip_config.json"), arch, StandardCopyOption.REPLACE_EXISTING);
        Path bare = bareDir.resolve(variant + ".safetensors");
        Files.copy(folder.resolve("open_clip_model.safetensors"), bare, StandardCopyOption.REPLACE_EXISTING);
        out.add(new Object[] {"bare safetensors + arch", bare, arch.toString()});
        if (Files.exists(src.resolve("open_clip_pytorch_model.bin.gz"))) {
            Path binFolder = work.resolve(variant).resolve("bin-folder");
            Files.createDirectories(binFolder);
            for (String f : List.of("open_clip_config.json", "tokenizer.json", "tokenizer_config.json"))
                Files.copy(src.resolve(f), binFolder.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            gunzip(src.resolve("open_clip_pytorch_model.bin.gz"), binFolder.resolve("open_clip_pytorch_model.bin"));
            out.add(new Object[] {"folder with .bin", binFolder, null});
        }
        return out;
    }

    private static ClipMatch load(Path checkpoint, String arch) {
        return ClipMatch.load(checkpoint.toString(), new ClipMatch.Options(null, null, null, 1, "cpu", arch));
    }

    @TestFactory
    Stream<DynamicTest> everyVariantAndFormMatchesOpenClip() throws IOException {
        List<Path> images = new ArrayList<>();
        for (String p : texts("images")) images.add(TestData.path(p));
        List<String> captions = texts("captions"), tokenTexts = texts("token_texts");
        List<DynamicTest> tests = new ArrayList<>();
        for (String variant : VARIANTS) {
            tests.add(DynamicTest.dynamicTest(variant, () -> {
                Path src = FIXTURES.resolve(variant);
                Npy.FloatArray wantImg = Npy.readFloats(src.resolve("image_embeds.npy"));
                Npy.FloatArray wantTxt = Npy.readFloats(src.resolve("text_embeds.npy"));
                Npy.FloatArray wantProbs = Npy.readFloats(src.resolve("probs.npy"));
                long[] wantIds = Npy.readLongs(src.resolve("token_ids.npy"));
                long[] wantTokenIds = Npy.readLongs(src.resolve("tokenizer_ids.npy"));
                for (Object[] form : forms(variant)) {
                    String label = variant + " / " + form[0];
                    ClipMatch clip = load((Path) form[1], (String) form[2]);
                    int ctx = clip.model().config().contextLength();
                    assertArrayEquals(wantIds, clip.tokenizer().batch(captions, ctx, true).ids(), label + ": token ids");
                    assertArrayEquals(wantTokenIds, clip.tokenizer().batch(tokenTexts, ctx, true).ids(), label + ": token ids of the cleaning cases");
                    Embeddings img = clip.encodeImages(images), txt = clip.encodeTexts(captions, true); // open_clip truncates to the context
                    assertCosines(label + " image", img, wantImg);
                    assertCosines(label + " text", txt, wantTxt);
                    float[] probs = clip.probabilities(img, txt);
                    assertEquals(variant.startsWith("siglip"), clip.model().logitBias() != null, label + ": sigmoid iff a logit_bias");
                    for (int i = 0; i < probs.length; i++)
                        assertEquals(wantProbs.data()[i], probs[i], 1e-6, label + ": probability " + i);
                }
            }));
        }
        return tests.stream();
    }

    @Test
    void aTextLongerThanTheContextIsRefusedUnlessTruncated() throws IOException {
        ClipMatch clip = load(folder("siglip", "folder", c -> {}), null);
        String longText = texts("token_texts").get(texts("token_texts").size() - 1);
        assertThrows(TextTooLongException.class, () -> clip.encodeTexts(List.of(longText)));
        assertEquals(1, clip.encodeTexts(List.of(longText), true).rows());
    }

    @Test
    void aMissingTokenizerFileIsRefusedNamingIt() throws IOException {
        Path dir = folder("clipa", "no-tokenizer", c -> {});
        Files.delete(dir.resolve("tokenizer.json"));
        ClipMatch clip = load(dir, null);
        InputFileException e = assertThrows(InputFileException.class, () -> clip.encodeTexts(List.of("a cat")));
        assertTrue(e.getMessage().startsWith(dir.resolve("tokenizer.json").toString()), e.getMessage());
    }

    /**
     * The activation is honoured, not guessed: GELU's tanh form differs from the exact one by under 3e-4, too little
     * for the cosine bar, so the distance to open_clip is compared: run with the exact GELU, SigLIP 2's text tower
     * lands far further from open_clip than with the tanh form its config asks for.
     */
    @Test
    void theTanhGeluIsNotTheExactOne() throws IOException {
        float[] want = Npy.readFloats(FIXTURES.resolve("siglip2").resolve("text_embeds.npy")).data();
        Embeddings right = load(folder("siglip2", "folder", c -> {}), null).encodeTexts(texts("captions"), true);
        Embeddings wrong = load(folder("siglip2", "erf-gelu", c -> ((ObjectNode) c.get("text_cfg")).remove("act_kwargs")), null).encodeTexts(texts("captions"), true);
        double rightGap = 1 - minCosine(right.data(), want, right.dim()), wrongGap = 1 - minCosine(wrong.data(), want, wrong.dim());
        assertTrue(wrongGap > 100 * Math.max(rightGap, 1e-12), "exact GELU gap " + wrongGap + " vs tanh GELU gap " + rightGap);
    }

    @Test
    void tokenizeUsesTheModelFoldersTokenizer() throws IOException {
        Path dir = folder("siglip2", "folder", c -> {});
        long[] want = Npy.readLongs(FIXTURES.resolve("siglip2").resolve("tokenizer_ids.npy"));
        CliRun r = CliRun.of("tokenize", "--vocab", dir.toString(), texts("token_texts").get(0));
        assertEquals(0, r.code(), r.err());
        assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOf(want, 16)), r.out().strip());
    }

    @Test
    void configAndWeightsThatDoNotBelongTogetherAreRefused() throws IOException {
        Path siglipWeights = (Path) forms("siglip").get(1)[1];
        Path siglip2Arch = Path.of((String) forms("siglip2").get(1)[2]), clipaArch = Path.of((String) forms("clipa").get(1)[2]);
        Exception size = assertThrows(dev.clipmatch.CheckpointException.class, () -> ClipModel.load(siglipWeights, siglip2Arch.toString()));
        assertTrue(size.getMessage().contains("image_size is 256 in the config but 224 in the weights"), size.getMessage());
        Exception kind = assertThrows(dev.clipmatch.CheckpointException.class, () -> ClipModel.load(siglipWeights, clipaArch.toString()));
        assertTrue(kind.getMessage().contains("timm trunk"), kind.getMessage());
    }

    /** Without add_bos_token / add_eos_token in tokenizer_config.json, transformers keeps tokenizer.json's special tokens: so does clipmatch. */
    @Test
    void gemmaSpecialTokensFollowTheFileWithoutFlags() throws IOException {
        Path dir = folder("siglip2", "default-flags", c -> {});
        ObjectNode tc = (ObjectNode) JSON.readTree(dir.resolve("tokenizer_config.json").toFile());
        tc.remove("add_bos_token");
        tc.remove("add_eos_token");
        Files.writeString(dir.resolve("tokenizer_config.json"), JSON.writeValueAsString(tc));
        ClipMatch clip = load(dir, null);
        long[] want = Npy.readLongs(FIXTURES.resolve("siglip2").resolve("tokenizer_ids_default_flags.npy"));
        assertArrayEquals(want, clip.tokenizer().batch(texts("token_texts"), clip.model().config().contextLength(), true).ids());
    }

    /** An explicit padding_side wins over the class's side (as transformers): SigLIP 2's rows padded on the right instead. */
    @Test
    void anExplicitPaddingSideIsObeyed() throws IOException {
        Path dir = folder("siglip2", "right-padded", c -> {});
        ObjectNode tc = (ObjectNode) JSON.readTree(dir.resolve("tokenizer_config.json").toFile());
        tc.put("padding_side", "right");
        Files.writeString(dir.resolve("tokenizer_config.json"), JSON.writeValueAsString(tc));
        ClipMatch clip = load(dir, null);
        int ctx = clip.model().config().contextLength();
        long[] left = Npy.readLongs(FIXTURES.resolve("siglip2").resolve("tokenizer_ids.npy"));
        long[] got = clip.tokenizer().batch(texts("token_texts"), ctx, true).ids();
        for (int r = 0; r < left.length / ctx; r++) {
            int pads = 0; // open_clip's left padding (pad id 0), moved to the right
            while (pads < ctx && left[r * ctx + pads] == 0) pads++;
            long[] want = new long[ctx];
            System.arraycopy(left, r * ctx + pads, want, 0, ctx - pads);
            assertArrayEquals(want, java.util.Arrays.copyOfRange(got, r * ctx, (r + 1) * ctx), "row " + r);
        }
    }

    /** Each image's and caption's embedding is a function of it alone, whatever its batch (the towers run per item). */
    @Test
    void theTimmTowerIsBatchInvariant() throws IOException {
        ClipMatch clip = load(folder("siglip", "folder", c -> {}), null);
        List<Path> images = new ArrayList<>();
        for (String p : texts("images")) images.add(TestData.path(p));
        float[] all = clip.encodeImages(images).data();
        float[] last = clip.encodeImages(List.of(images.get(images.size() - 1))).data();
        assertArrayEquals(last, java.util.Arrays.copyOfRange(all, all.length - last.length, all.length));
    }

    /** Each unsupported variation is refused in one line naming its field, exit 2 from the CLI. */
    @TestFactory
    Stream<DynamicTest> unsupportedVariationsAreRefusedByField() {
        record Case(String name, String variant, String field, Consumer<ObjectNode> edit) {}
        List<Case> cases = List.of(
                new Case("timm pool", "siglip", "vision_cfg.timm_pool", c -> vision(c).put("timm_pool", "avg")),
                new Case("timm projection", "siglip", "vision_cfg.timm_proj", c -> vision(c).put("timm_proj", "linear")),
                new Case("other timm trunk", "siglip", "vision_cfg.timm_model_name", c -> vision(c).put("timm_model_name", "eva02_base_patch16_clip_224")),
                new Case("timm input size", "siglip", "vision_cfg.image_size", c -> vision(c).put("image_size", 256)),
                new Case("tokenizer mode", "clipa", "text_cfg.tokenizer_mode", c -> text(c).put("tokenizer_mode", "clips")),
                new Case("clean function", "siglip", "text_cfg.tokenizer_kwargs.clean", c -> ((ObjectNode) text(c).get("tokenizer_kwargs")).put("clean", "nfkc")),
                new Case("tokenizer option", "clipa", "text_cfg.tokenizer_kwargs.language", c -> ((ObjectNode) text(c).get("tokenizer_kwargs")).put("language", "en")),
                new Case("activation option", "siglip2", "text_cfg.act_kwargs.approximate", c -> ((ObjectNode) text(c).get("act_kwargs")).put("approximate", "sigmoid")),
                new Case("QuickGELU with options", "siglip2", "text_cfg.act_kwargs", c -> c.put("quick_gelu", true)));
        return cases.stream().map(k -> DynamicTest.dynamicTest(k.name(), () -> {
            Path dir = folder(k.variant(), "refused-" + k.name().replace(' ', '-'), k.edit());
            ClipMatchException e = assertThrows(ClipMatchException.class, () -> ClipModel.load(dir));
            assertTrue(e.getMessage().contains(k.field()), e.getMessage());
            CliRun r = CliRun.of("match", "--model", dir.toString(), TestData.path(texts("images").get(0)).toString(), "a cat");
            assertEquals(2, r.code(), r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertFalse(r.err().contains("\tat "), r.err());
        }));
    }

    private static ObjectNode vision(ObjectNode modelCfg) {
        return (ObjectNode) modelCfg.get("vision_cfg");
    }

    private static ObjectNode text(ObjectNode modelCfg) {
        return (ObjectNode) modelCfg.get("text_cfg");
    }

    private static void assertCosines(String label, Embeddings got, Npy.FloatArray want) {
        assertEquals(want.rows(), got.rows(), label);
        assertEquals(want.cols(), got.dim(), label);
        double min = minCosine(got.data(), want.data(), want.cols());
        assertTrue(min >= MIN_COSINE, label + ": min cosine " + min + " < " + MIN_COSINE);
    }

    private static double minCosine(float[] a, float[] b, int dim) {
        return OpenClipOracleTest.minCosine(a, b, dim);
    }

    private static void gunzip(Path src, Path dst) throws IOException {
        if (Files.exists(dst)) return;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(src), 1 << 16)) {
            Files.copy(in, dst);
        }
    }
}
