package dev.clipmatch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clipmatch.ClipMatch;
import dev.clipmatch.TestData;
import dev.clipmatch.UnsupportedFeatureException;
import dev.clipmatch.io.Npy;
import dev.clipmatch.kernels.Embeddings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * open_clip as the oracle: each fixture of tools/make_open_clip_fixtures.py is a tiny open_clip config with random
 * weights, saved as the hub publishes models, with open_clip's own embeddings of real photos and captions (its
 * preprocessing, its tokenizer). clipmatch must reproduce them (cosine >= 0.99999 per row) from every published
 * form: the folder (config + safetensors), the folder with the torch.save .bin, and the bare state dicts with
 * the architecture named (as a config file).
 */
class OpenClipOracleTest {
    private static final double MIN_COSINE = 0.99999;
    private static final Path FIXTURES = TinyModels.resource("../open_clip");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path work;

    @BeforeAll
    static void unpack() throws IOException {
        work = Files.createTempDirectory("clipmatch-open-clip");
    }

    @AfterAll
    static void clean() {
        TinyModels.deleteTree(work);
    }

    static List<String> variants() {
        return variants(FIXTURES);
    }

    static List<String> variants(Path root) {
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode meta() throws IOException {
        return JSON.readTree(FIXTURES.resolve("meta.json").toFile());
    }

    /** The published forms of one fixture: (label, checkpoint path, arch or null). */
    static List<Object[]> forms(String variant) throws IOException {
        return forms(FIXTURES, variant, work);
    }

    /** As {@link #forms(String)} for a fixture under {@code root}, unpacked under {@code work}. */
    static List<Object[]> forms(Path root, String variant, Path work) throws IOException {
        Path src = root.resolve(variant);
        Path dir = work.resolve(variant);
        List<Object[]> out = new ArrayList<>();
        Path folder = dir.resolve("folder");
        Files.createDirectories(folder);
        Files.copy(src.resolve("open_clip_config.json"), folder.resolve("open_clip_config.json"), StandardCopyOption.REPLACE_EXISTING);
        gunzip(src.resolve("open_clip_model.safetensors.gz"), folder.resolve("open_clip_model.safetensors"));
        out.add(new Object[] {"folder", folder, null});
        // the architecture as a file beside the bare weights: a bare model config (the format of open_clip's
        // model_configs/), or the whole open_clip_config.json when the variant's preprocessing is not the default
        Path arch = dir.resolve(variant + ".json");
        JsonNode config = JSON.readTree(src.resolve("open_clip_config.json").toFile());
        Files.writeString(arch, JSON.writeValueAsString(config.has("preprocess_cfg") ? config : config.get("model_cfg")));
        Path bare = dir.resolve(variant + ".safetensors");
        Files.copy(folder.resolve("open_clip_model.safetensors"), bare, StandardCopyOption.REPLACE_EXISTING);
        out.add(new Object[] {"bare safetensors + arch", bare, arch.toString()});
        if (Files.exists(src.resolve("open_clip_pytorch_model.bin.gz"))) {
            Path binFolder = dir.resolve("bin-folder");
            Files.createDirectories(binFolder);
            Files.copy(src.resolve("open_clip_config.json"), binFolder.resolve("open_clip_config.json"), StandardCopyOption.REPLACE_EXISTING);
            gunzip(src.resolve("open_clip_pytorch_model.bin.gz"), binFolder.resolve("open_clip_pytorch_model.bin"));
            out.add(new Object[] {"folder with .bin", binFolder, null});
            Path bareBin = dir.resolve(variant + ".bin");
            Files.copy(binFolder.resolve("open_clip_pytorch_model.bin"), bareBin, StandardCopyOption.REPLACE_EXISTING);
            out.add(new Object[] {"bare .bin + arch", bareBin, arch.toString()});
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> everyVariantAndFormMatchesOpenClip() throws IOException {
        return oracleTests(FIXTURES, work);
    }

    /** One test per fixture under {@code root}: every published form matches open_clip's embeddings. */
    static Stream<DynamicTest> oracleTests(Path root, Path work) throws IOException {
        JsonNode meta = JSON.readTree(root.resolve("meta.json").toFile());
        List<DynamicTest> tests = new ArrayList<>();
        for (String variant : variants(root)) {
            tests.add(DynamicTest.dynamicTest(variant, () -> {
                Path vocab = TestData.path("clip/bpe_simple_vocab_16e6.txt.gz");
                List<Path> images = new ArrayList<>();
                for (JsonNode p : meta.get("images")) images.add(TestData.path(p.asText()));
                List<String> captions = new ArrayList<>();
                for (JsonNode c : meta.get("captions")) captions.add(c.asText());
                Npy.FloatArray wantImg = Npy.readFloats(root.resolve(variant).resolve("image_embeds.npy"));
                Npy.FloatArray wantTxt = Npy.readFloats(root.resolve(variant).resolve("text_embeds.npy"));
                long[] wantIds = Npy.readLongs(root.resolve(variant).resolve("token_ids.npy"));
                for (Object[] form : forms(root, variant, work)) {
                    String label = variant + " / " + form[0];
                    ClipMatch clip = ClipMatch.load(form[1].toString(), new ClipMatch.Options(null, vocab, null, 1, "cpu", (String) form[2]));
                    assertArrayEquals(wantIds, clip.tokenizer().batch(captions, clip.model().config().contextLength(), false).ids(), label + ": token ids");
                    assertCosines(label + " image", clip.encodeImages(images), wantImg);
                    assertCosines(label + " text", clip.encodeTexts(captions), wantTxt);
                }
            }));
        }
        return tests.stream();
    }

    @Test
    void aBareStateDictWithoutArchitectureIsRefusedNamingTheAmbiguity() throws IOException {
        Path bare = (Path) forms("vit-gelu").get(1)[1];
        UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class, () -> ClipModel.load(bare));
        assertTrue(e.getMessage().contains("GELU or QuickGELU"), e.getMessage());
        assertTrue(e.getMessage().startsWith(bare.toString()), e.getMessage());
    }

    @Test
    void configAndWeightsThatDoNotBelongTogetherAreRefused() throws IOException {
        Path bare = (Path) forms("vit-gelu").get(1)[1];
        Path otherArch = Path.of(forms("mlp-ratio").get(1)[2].toString());
        Exception e = assertThrows(dev.clipmatch.CheckpointException.class, () -> ClipModel.load(bare, otherArch.toString()));
        assertTrue(e.getMessage().contains("mlp_ratio"), e.getMessage());
    }

    /** The variants really differ where they must: a wrong guess (GELU for QuickGELU) is far below the bar. */
    @Test
    void theToleranceSeparatesTheVariants() throws IOException {
        Path bare = (Path) forms("vit-quickgelu").get(1)[1];
        Path geluArch = Path.of(forms("vit-gelu").get(1)[2].toString());
        Npy.FloatArray want = Npy.readFloats(FIXTURES.resolve("vit-quickgelu").resolve("text_embeds.npy"));
        ClipModel wrong = ClipModel.load(bare, geluArch.toString());
        long[] ids = Npy.readLongs(FIXTURES.resolve("vit-quickgelu").resolve("token_ids.npy"));
        float[] got = wrong.encodeTexts(ids, want.rows(), ids.length / want.rows());
        assertTrue(minCosine(got, want.data(), want.cols()) < MIN_COSINE, "GELU weights run as QuickGELU should not pass");
    }

    static void assertCosines(String label, Embeddings got, Npy.FloatArray want) {
        assertEquals(want.rows(), got.rows(), label);
        assertEquals(want.cols(), got.dim(), label);
        double min = minCosine(got.data(), want.data(), want.cols());
        assertTrue(min >= MIN_COSINE, label + ": min cosine " + min + " < " + MIN_COSINE);
    }

    static double minCosine(float[] a, float[] b, int dim) {
        double min = 1;
        for (int r = 0; r < a.length / dim; r++) {
            double dot = 0, na = 0, nb = 0;
            for (int i = 0; i < dim; i++) {
                dot += (double) a[r * dim + i] * b[r * dim + i];
                na += (double) a[r * dim + i] * a[r * dim + i];
                nb += (double) b[r * dim + i] * b[r * dim + i];
            }
            min = Math.min(min, dot / Math.sqrt(na * nb));
        }
        return min;
    }

    private static void gunzip(Path src, Path dst) throws IOException {
        if (Files.exists(dst)) return;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(src), 1 << 16)) {
            Files.copy(in, dst);
        }
    }
}
