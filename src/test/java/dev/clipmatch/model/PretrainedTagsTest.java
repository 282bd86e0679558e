package dev.clipmatch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.clipmatch.CliRun;
import dev.clipmatch.ClipMatch;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.TestData;
import dev.clipmatch.io.Checksums;
import dev.clipmatch.io.Npy;
import dev.clipmatch.kernels.Embeddings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * open_clip's pretrained tags: the shipped table (tools/export_open_clip_pretrained.py), and fetch-model ARCH/TAG
 * then loading it, against a local server standing in for the Hugging Face hub that serves tiny open_clip models
 * (the oracle fixtures), with a tag table of their own (the documented table override).
 */
class PretrainedTagsTest {
    private static final Path FIXTURES = TinyModels.resource("../open_clip");
    private static final Path HF_FIXTURES = TinyModels.resource("../open_clip_hf");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private HttpServer server;
    private Map<String, Path> served;
    private final Map<String, Integer> requests = new ConcurrentHashMap<>();
    private Path cache;

    @Test
    void theShippedTableIsOpenClips() {
        System.clearProperty(PretrainedTags.TABLE_PROPERTY);
        assertEquals("3.3.0", PretrainedTags.table().openClipVersion());
        List<PretrainedTag> all = PretrainedTags.all();
        assertEquals(196, all.size());
        for (PretrainedTag t : all) {
            assertTrue(OpenClipConfig.archNames().contains(t.arch()), t.name() + ": architecture not in models/open_clip");
            // a published checksum comes only from OpenAI's URLs, which carry it in their path
            assertEquals(t.sha256Confirmed(), t.url() != null && t.url().contains("/" + t.sha256() + "/"), t.name());
        }
        assertEquals(18, all.stream().filter(PretrainedTag::sha256Confirmed).count());
        PretrainedTag laion = PretrainedTags.find("ViT-B-32/laion2b_s34b_b79k").orElseThrow();
        assertEquals("laion/CLIP-ViT-B-32-laion2B-s34B-b79K", laion.hubRepo());
        assertEquals(List.of("open_clip_model.safetensors", "open_clip_pytorch_model.bin"), laion.hubFiles());
        assertTrue(PretrainedTags.unsupported(laion).isEmpty());
        assertEquals("ViT", laion.family());
        PretrainedTag rn50 = PretrainedTags.find("RN50-quickgelu/openai").orElseThrow();
        assertEquals("afeb0e10f9e5a86da6080e35cf09123aca3b358a0c3e3b6c78a7b63bc04b6762", rn50.sha256());
        assertEquals("url", rn50.download());
        assertTrue(PretrainedTags.unsupported(rn50).isEmpty());
        // open_clip 3.3.0 runs RN50/openai's QuickGELU weights with GELU (it only warns): refused, naming the right tag
        String why = PretrainedTags.unsupported(PretrainedTags.find("rn50/OPENAI").orElseThrow()).orElseThrow();
        assertTrue(why.contains("use RN50-quickgelu/openai"), why);
        PretrainedTag siglip = PretrainedTags.find("ViT-B-16-SigLIP/webli").orElseThrow();
        assertEquals("SigLIP", siglip.family());
        assertEquals("squash", siglip.preprocess().resizeMode());
        assertEquals("hf:timm/ViT-B-16-SigLIP", siglip.tokenizer());
    }

    @BeforeEach
    void hub() throws IOException {
        cache = dir.resolve("cache");
        Path files = Files.createDirectories(dir.resolve("hub"));
        gunzip(FIXTURES.resolve("squash-bilinear/open_clip_model.safetensors.gz"), files.resolve("squash.safetensors"));
        gunzip(FIXTURES.resolve("vit-gelu/open_clip_pytorch_model.bin.gz"), files.resolve("gelu.bin"));
        gunzip(HF_FIXTURES.resolve("siglip/open_clip_model.safetensors.gz"), files.resolve("siglip.safetensors"));
        Path badClass = Files.writeString(files.resolve("xlm_tokenizer_config.json"), "{\"tokenizer_class\": \"XLMRobertaTokenizer\", \"pad_token\": \"<pad>\"}");
        // special_tokens_map.json as hub repos have it: one agreeing with tokenizer_config.json, one padding with another token
        Path agreeingMap = Files.writeString(files.resolve("special_tokens_map.json"), "{\"eos_token\": \"</s>\", \"pad_token\": {\"content\": \"</s>\"}}");
        Path otherPadMap = Files.writeString(files.resolve("other_pad_special_tokens_map.json"), "{\"eos_token\": \"</s>\", \"pad_token\": \"<unk>\"}");
        Path vocab = TestData.path("clip/bpe_simple_vocab_16e6.txt.gz");
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        // as the real SigLIP tags: the weights in one repo, the tokenizer in another (e.g. timm/ViT-B-16-SigLIP's for the SO400M weights)
        served = Map.ofEntries(
                Map.entry("/org/tiny-squash/resolve/main/open_clip_model.safetensors", files.resolve("squash.safetensors")),
                Map.entry("/org/tiny-gelu/resolve/main/open_clip_pytorch_model.bin", files.resolve("gelu.bin")),
                Map.entry("/vocab/bpe_simple_vocab_16e6.txt.gz", vocab),
                Map.entry("/org/tiny-siglip/resolve/main/open_clip_model.safetensors", files.resolve("siglip.safetensors")),
                Map.entry("/org/siglip-tokenizer/resolve/main/tokenizer.json", HF_FIXTURES.resolve("siglip/tokenizer.json")),
                Map.entry("/org/siglip-tokenizer/resolve/main/tokenizer_config.json", HF_FIXTURES.resolve("siglip/tokenizer_config.json")),
                Map.entry("/org/siglip-tokenizer/resolve/main/special_tokens_map.json", agreeingMap),
                Map.entry("/org/other-pad/resolve/main/tokenizer.json", HF_FIXTURES.resolve("siglip/tokenizer.json")),
                Map.entry("/org/other-pad/resolve/main/tokenizer_config.json", HF_FIXTURES.resolve("siglip/tokenizer_config.json")),
                Map.entry("/org/other-pad/resolve/main/special_tokens_map.json", otherPadMap),
                Map.entry("/org/sentencepiece-only/resolve/main/tokenizer_config.json", HF_FIXTURES.resolve("siglip/tokenizer_config.json")),
                Map.entry("/org/xlm-tokenizer/resolve/main/tokenizer.json", HF_FIXTURES.resolve("siglip/tokenizer.json")),
                Map.entry("/org/xlm-tokenizer/resolve/main/tokenizer_config.json", badClass));
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            requests.merge(path, 1, Integer::sum);
            Path f = served.get(path);
            if (f == null) {
                ex.sendResponseHeaders(404, -1);
            } else {
                byte[] body = Files.readAllBytes(f);
                ex.sendResponseHeaders(200, body.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(body);
                }
            }
            ex.close();
        });
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();

        Path tableDir = Files.createDirectories(dir.resolve("table"));
        Files.createDirectories(tableDir.resolve("open_clip"));
        JsonNode squash = JSON.readTree(FIXTURES.resolve("squash-bilinear/open_clip_config.json").toFile());
        Files.writeString(tableDir.resolve("open_clip/tiny-squash.json"), squash.get("model_cfg").toString());
        Files.writeString(tableDir.resolve("open_clip/tiny-gelu.json"), JSON.readTree(FIXTURES.resolve("vit-gelu/open_clip_config.json").toFile()).get("model_cfg").toString());
        JsonNode siglip = JSON.readTree(HF_FIXTURES.resolve("siglip/open_clip_config.json").toFile());
        Files.writeString(tableDir.resolve("open_clip/tiny-siglip.json"), siglip.get("model_cfg").toString());
        ObjectNode table = JSON.createObjectNode().put("open_clip_version", "test");
        table.putObject("clip_bpe_vocab").put("url", base + "/vocab/bpe_simple_vocab_16e6.txt.gz").put("sha256", Checksums.sha256(vocab))
                .put("file", "bpe_simple_vocab_16e6.txt.gz");
        ArrayNode tags = table.putArray("tags");
        // the tag's preprocessing (squash, bilinear, mean/std 0.5) is what the fixture's open_clip embeddings were made with
        tags.add(tag("tiny-squash", "test", "org/tiny-squash", false, squash.get("preprocess_cfg"), 40));
        JsonNode openai = JSON.readTree("{\"mean\":[0.48145466,0.4578275,0.40821073],\"std\":[0.26862954,0.26130258,0.27577711],"
                + "\"interpolation\":\"bicubic\",\"resize_mode\":\"shortest\"}");
        tags.add(tag("tiny-gelu", "test", "org/tiny-gelu", false, openai, 32));
        tags.add(tag("tiny-gelu", "quickgelu-trained", "org/tiny-gelu", true, openai, 32));
        tags.add(tag("EVA02-B-16", "test", "org/eva", false, openai, 224));
        tags.add(siglipTag("test", "hf:org/siglip-tokenizer", siglip.get("preprocess_cfg")));
        tags.add(siglipTag("sentencepiece-only", "hf:org/sentencepiece-only", siglip.get("preprocess_cfg")));
        tags.add(siglipTag("xlm-tokenizer", "hf:org/xlm-tokenizer", siglip.get("preprocess_cfg")));
        tags.add(siglipTag("other-pad", "hf:org/other-pad", siglip.get("preprocess_cfg")));
        Files.writeString(tableDir.resolve("open_clip.json"), table.toString());
        System.setProperty(PretrainedTags.TABLE_PROPERTY, tableDir.resolve("open_clip.json").toString());
        System.setProperty("clipmatch.hf.endpoint", base);
    }

    /** A tag entry as the exporter writes it (the fixtures' embedding size is 24). */
    private static ObjectNode tag(String arch, String tag, String repo, boolean quickGelu, JsonNode preprocess, int imageSize) {
        ObjectNode t = JSON.createObjectNode().put("name", arch + "/" + tag).put("arch", arch).put("tag", tag).put("family", "ViT").put("image_size", imageSize)
                .put("embed_dim", 24).put("quick_gelu", quickGelu).put("arch_quick_gelu", false).put("hub_repo", repo);
        t.putArray("hub_files").add("open_clip_model.safetensors").add("open_clip_pytorch_model.bin");
        t.putNull("url").put("download", "hub").putNull("sha256").put("sha256_confirmed", false).put("tokenizer", "clip-bpe").put("context_length", 77);
        t.set("preprocess", preprocess);
        return t;
    }

    /** A tag of the tiny SigLIP fixture (embedding size 48, context 16) whose tokenizer is the hub repo {@code tokenizer}. */
    private static ObjectNode siglipTag(String tag, String tokenizer, JsonNode preprocess) {
        return tag("tiny-siglip", tag, "org/tiny-siglip", false, preprocess, 224).put("family", "SigLIP").put("embed_dim", 48).put("tokenizer", tokenizer)
                .put("context_length", 16);
    }

    @AfterEach
    void stop() {
        server.stop(0);
        System.clearProperty(PretrainedTags.TABLE_PROPERTY);
        System.clearProperty("clipmatch.hf.endpoint");
    }

    @Test
    void fetchedTagLoadsAndMatchesOpenClipWithTheTagsPreprocessing() throws IOException {
        CliRun r = CliRun.of("fetch-model", "tiny-squash/test", "--cache-dir", cache.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("unconfirmed"), r.err());
        Path folder = cache.resolve("open_clip/tiny-squash/test");
        Path weights = folder.resolve("open_clip_model.safetensors");
        JsonNode fetched = JSON.readTree(folder.resolve(PretrainedTags.FETCHED_FILE).toFile());
        assertEquals(Checksums.sha256(weights), fetched.get("sha256").asText());
        assertFalse(fetched.get("sha256_confirmed").asBoolean());
        assertTrue(Files.isRegularFile(cache.resolve("bpe_simple_vocab_16e6.txt.gz")));

        ClipMatch clip = ClipMatch.load("tiny-squash/test", new ClipMatch.Options(cache, null, null, 1, "cpu"));
        assertEquals("tiny-squash/test", clip.label());
        JsonNode meta = OpenClipOracleTest.meta();
        List<Path> images = new ArrayList<>();
        for (JsonNode p : meta.get("images")) images.add(TestData.path(p.asText()));
        List<String> captions = new ArrayList<>();
        for (JsonNode c : meta.get("captions")) captions.add(c.asText());
        OpenClipOracleTest.assertCosines("tag image", clip.encodeImages(images), Npy.readFloats(FIXTURES.resolve("squash-bilinear/image_embeds.npy")));
        OpenClipOracleTest.assertCosines("tag text", clip.encodeTexts(captions), Npy.readFloats(FIXTURES.resolve("squash-bilinear/text_embeds.npy")));

        // tokenize by tag name: OpenAI's vocabulary from the cache
        CliRun byTag = CliRun.of("tokenize", "--vocab", "tiny-squash/test", "--cache-dir", cache.toString(), "a photo of a cat");
        assertEquals(0, byTag.code(), byTag.err());
        assertEquals(CliRun.of("tokenize", "--vocab", cache.resolve("bpe_simple_vocab_16e6.txt.gz").toString(), "a photo of a cat").out(), byTag.out());

        // listed as cached with the recorded checksum
        CliRun list = CliRun.of("models", "--json", "--cache-dir", cache.toString());
        assertEquals(0, list.code(), list.err());
        JsonNode row = null;
        for (JsonNode n : JSON.readTree(list.out())) if (n.get("name").asText().equals("tiny-squash/test")) row = n;
        assertTrue(row != null && row.get("cached").asBoolean() && row.get("loadable").asBoolean(), String.valueOf(row));
        assertEquals("recorded", row.get("checksum").asText());
        assertEquals(Checksums.sha256(weights), row.get("sha256").asText());

        // a second fetch keeps the file whose sha256 matches the record: no second download
        int before = requests.get("/org/tiny-squash/resolve/main/open_clip_model.safetensors");
        CliRun again = CliRun.of("fetch-model", "tiny-squash/test", "--cache-dir", cache.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("already present"), again.err());
        assertEquals(before, requests.get("/org/tiny-squash/resolve/main/open_clip_model.safetensors"));

        // sweep loads it by name too; in a leaderboard its run folder is ARCH-TAG
        List<String> lines = Files.readAllLines(TestData.path("image_captions.tsv")).subList(0, 11);
        Path data = Files.write(dir.resolve("photos.tsv"), lines);
        Path board = dir.resolve("board");
        CliRun sweep = CliRun.of("sweep", "--model", "tiny-squash/test,tiny-gelu/test", "--dataset", data.toString(), "--images", TestData.path(".").toString(),
                "--sample-images", "1", "--iterations", "2", "--examples", "1", "--out", board.toString(), "--cache-dir", cache.toString());
        assertEquals(2, sweep.code(), sweep.err()); // tiny-gelu/test is not downloaded: refused before anything runs
        assertTrue(sweep.err().contains("fetch-model tiny-gelu/test"), sweep.err());
        assertEquals(0, CliRun.of("fetch-model", "tiny-gelu/test", "--cache-dir", cache.toString()).code());
        sweep = CliRun.of("sweep", "--model", "tiny-squash/test,tiny-gelu/test", "--dataset", data.toString(), "--images", TestData.path(".").toString(),
                "--sample-images", "1", "--iterations", "2", "--examples", "1", "--out", board.toString(), "--cache-dir", cache.toString());
        assertEquals(0, sweep.code(), sweep.err());
        JsonNode first = JSON.readTree(board.resolve("leaderboard.json").toFile()).get("rows");
        List<String> runs = new ArrayList<>();
        for (JsonNode r2 : first) runs.add(r2.get("model").asText() + " " + r2.get("run").asText());
        assertEquals(List.of("tiny-gelu/test photos-tiny-gelu-test", "tiny-squash/test photos-tiny-squash-test"), runs.stream().sorted().toList());

        // a changed file is refused on load against the recorded checksum
        byte[] bytes = Files.readAllBytes(weights);
        bytes[bytes.length - 1] ^= 1;
        Files.write(weights, bytes);
        ClipMatchException e = assertThrows(ClipMatchException.class, () -> ClipMatch.load("tiny-squash/test", new ClipMatch.Options(cache, null, null, 1, "cpu")));
        assertTrue(e.getMessage().contains("recorded when tiny-squash/test was downloaded"), e.getMessage());
    }

    @Test
    void withoutSafetensorsTheBinIsFetchedAsOpenClipDoes() throws IOException {
        CliRun r = CliRun.of("fetch-model", "tiny-gelu/test", "--cache-dir", cache.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(1, requests.get("/org/tiny-gelu/resolve/main/open_clip_model.safetensors"));
        assertTrue(Files.isRegularFile(cache.resolve("open_clip/tiny-gelu/test/open_clip_pytorch_model.bin")));
        ClipMatch clip = ClipMatch.load("tiny-gelu/test", new ClipMatch.Options(cache, null, null, 1, "cpu"));
        List<String> captions = new ArrayList<>();
        for (JsonNode c : OpenClipOracleTest.meta().get("captions")) captions.add(c.asText());
        OpenClipOracleTest.assertCosines("bin tag text", clip.encodeTexts(captions), Npy.readFloats(FIXTURES.resolve("vit-gelu/text_embeds.npy")));
    }

    @Test
    void aFilePutInPlaceByHandIsTakenAndRecorded() throws IOException {
        Path folder = Files.createDirectories(cache.resolve("open_clip/tiny-gelu/test"));
        gunzip(FIXTURES.resolve("vit-gelu/open_clip_model.safetensors.gz"), folder.resolve("open_clip_model.safetensors"));
        CliRun r = CliRun.of("fetch-model", "tiny-gelu/test", "--cache-dir", cache.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("found in place"), r.err());
        assertEquals(Map.of("/vocab/bpe_simple_vocab_16e6.txt.gz", 1), requests);
        assertEquals(Checksums.sha256(folder.resolve("open_clip_model.safetensors")),
                JSON.readTree(folder.resolve(PretrainedTags.FETCHED_FILE).toFile()).get("sha256").asText());
        ClipMatch.load("tiny-gelu/test", new ClipMatch.Options(cache, null, null, 1, "cpu"));
    }

    @Test
    void unloadableTagsAreRefusedBeforeAnyDownload() throws IOException {
        CliRun eva = CliRun.of("fetch-model", "EVA02-B-16/test", "--cache-dir", cache.toString());
        CliRun mismatch = CliRun.of("fetch-model", "tiny-gelu/quickgelu-trained", "--cache-dir", cache.toString());
        CliRun notFetched = CliRun.of("embed", "--model", "tiny-gelu/test", "--texts", Files.writeString(dir.resolve("t.txt"), "a cat\n").toString(), "--out", dir.resolve("x.npy").toString(), "--cache-dir", cache.toString());
        assertEquals(2, mismatch.code(), mismatch.err());
        assertTrue(mismatch.err().contains("trained with QuickGELU"), mismatch.err());
        assertEquals(1, mismatch.err().strip().lines().count(), mismatch.err());
        assertEquals(2, notFetched.code(), notFetched.err());
        assertTrue(notFetched.err().contains("fetch-model tiny-gelu/test"), notFetched.err());
        assertEquals(2, eva.code(), eva.err());
        assertTrue(eva.err().contains("cannot load it") && eva.err().contains("timm_model_name"), eva.err());
        assertTrue(requests.isEmpty(), requests.toString());
    }

    @Test
    void aTagWithAHuggingFaceTokenizerFetchesItAndMatchesOpenClip() throws IOException {
        CliRun r = CliRun.of("fetch-model", "tiny-siglip/test", "--cache-dir", cache.toString());
        assertEquals(0, r.code(), r.err());
        Path folder = cache.resolve("open_clip/tiny-siglip/test");
        JsonNode fetched = JSON.readTree(folder.resolve(PretrainedTags.FETCHED_FILE).toFile());
        List<String> recorded = new ArrayList<>();
        for (JsonNode f : fetched.get("tokenizer_files")) {
            recorded.add(f.get("file").asText());
            assertEquals(Checksums.sha256(folder.resolve(f.get("file").asText())), f.get("sha256").asText());
            String path = "/org/siglip-tokenizer/resolve/main/" + f.get("file").asText();
            assertEquals(Checksums.sha256(served.get(path)), f.get("sha256").asText());
            assertTrue(f.get("url").asText().endsWith(path), f.toString());
            assertTrue(r.err().contains(folder.resolve(f.get("file").asText()) + " downloaded; sha256 " + f.get("sha256").asText() + " unconfirmed"), r.err());
        }
        assertEquals(List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"), recorded);
        assertFalse(requests.containsKey("/vocab/bpe_simple_vocab_16e6.txt.gz"), "OpenAI's vocabulary is not this tag's: " + requests);

        JsonNode meta = JSON.readTree(HF_FIXTURES.resolve("meta.json").toFile());
        List<Path> images = new ArrayList<>();
        for (JsonNode p : meta.get("images")) images.add(TestData.path(p.asText()));
        List<String> captions = new ArrayList<>(), tokenTexts = new ArrayList<>();
        for (JsonNode c : meta.get("captions")) captions.add(c.asText());
        for (JsonNode c : meta.get("token_texts")) tokenTexts.add(c.asText());
        ClipMatch clip = ClipMatch.load("tiny-siglip/test", new ClipMatch.Options(cache, null, null, 1, "cpu"));
        assertArrayEquals(Npy.readLongs(HF_FIXTURES.resolve("siglip/token_ids.npy")), clip.tokenizer().batch(captions, 16, true).ids());
        assertArrayEquals(Npy.readLongs(HF_FIXTURES.resolve("siglip/tokenizer_ids.npy")), clip.tokenizer().batch(tokenTexts, 16, true).ids());
        OpenClipOracleTest.assertCosines("hf tag image", clip.encodeImages(images), Npy.readFloats(HF_FIXTURES.resolve("siglip/image_embeds.npy")));
        OpenClipOracleTest.assertCosines("hf tag text", clip.encodeTexts(captions, true), Npy.readFloats(HF_FIXTURES.resolve("siglip/text_embeds.npy")));

        // the CLI by name: embed and tokenize
        Path texts = Files.write(dir.resolve("captions.txt"), captions);
        Path out = dir.resolve("t.npy");
        CliRun embed = CliRun.of("embed", "--model", "tiny-siglip/test", "--texts", texts.toString(), "--truncate", "--out", out.toString(),
                "--cache-dir", cache.toString());
        assertEquals(0, embed.code(), embed.err());
        Npy.FloatArray embedded = Npy.readFloats(out);
        OpenClipOracleTest.assertCosines("hf tag embed", new Embeddings(embedded.data(), embedded.rows(), embedded.cols()),
                Npy.readFloats(HF_FIXTURES.resolve("siglip/text_embeds.npy")));
        CliRun tokenize = CliRun.of("tokenize", "--vocab", "tiny-siglip/test", "--cache-dir", cache.toString(), captions.get(0));
        assertEquals(0, tokenize.code(), tokenize.err());
        assertEquals(java.util.Arrays.toString(java.util.Arrays.copyOf(Npy.readLongs(HF_FIXTURES.resolve("siglip/token_ids.npy")), 16)), tokenize.out().strip());

        // (the fixture's context is 16 tokens: Flickr captions need --truncate, as open_clip always truncates)
        Path data = Files.write(dir.resolve("photos.tsv"), Files.readAllLines(TestData.path("image_captions.tsv")).subList(0, 11));
        CliRun sweep = CliRun.of("sweep", "--model", "tiny-siglip/test", "--dataset", data.toString(), "--images", TestData.path(".").toString(),
                "--truncate", "--sample-images", "1", "--iterations", "2", "--examples", "1", "--out", dir.resolve("board").toString(), "--cache-dir", cache.toString());
        assertEquals(0, sweep.code(), sweep.err());

        // a second fetch keeps what matches the record
        int before = requests.get("/org/siglip-tokenizer/resolve/main/tokenizer.json");
        CliRun again = CliRun.of("fetch-model", "tiny-siglip/test", "--cache-dir", cache.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains(folder.resolve("tokenizer.json") + " already present"), again.err());
        assertEquals(before, requests.get("/org/siglip-tokenizer/resolve/main/tokenizer.json"));

        // a tokenizer file changed after download is refused on load, in one line
        Files.writeString(folder.resolve("tokenizer_config.json"), Files.readString(folder.resolve("tokenizer_config.json")).replace("</s>", "<unk>"));
        ClipMatchException e = assertThrows(ClipMatchException.class, () -> ClipMatch.load("tiny-siglip/test", new ClipMatch.Options(cache, null, null, 1, "cpu")));
        assertTrue(e.getMessage().startsWith(folder.resolve("tokenizer_config.json") + ": sha256 ") && e.getMessage().contains("recorded when tiny-siglip/test was downloaded"),
                e.getMessage());
        CliRun refused = CliRun.of("embed", "--model", "tiny-siglip/test", "--texts", texts.toString(), "--truncate", "--out", dir.resolve("u.npy").toString(),
                "--cache-dir", cache.toString());
        assertEquals(2, refused.code(), refused.err());
        assertEquals(1, refused.err().strip().lines().count(), refused.err());
        CliRun refusedTokenize = CliRun.of("tokenize", "--vocab", "tiny-siglip/test", "--cache-dir", cache.toString(), captions.get(0));
        assertEquals(2, refusedTokenize.code(), refusedTokenize.err());
        assertTrue(refusedTokenize.err().contains("tokenizer_config.json: sha256"), refusedTokenize.err());
        // as the message says, fetch-model puts the file back
        assertEquals(0, CliRun.of("fetch-model", "tiny-siglip/test", "--cache-dir", cache.toString()).code());
        assertEquals(Checksums.sha256(HF_FIXTURES.resolve("siglip/tokenizer_config.json")), Checksums.sha256(folder.resolve("tokenizer_config.json")));
        assertEquals(0, CliRun.of("tokenize", "--vocab", "tiny-siglip/test", "--cache-dir", cache.toString(), captions.get(0)).code());
    }

    @Test
    void aTokenizerRepoWithoutTokenizerJsonIsRefusedBeforeTheWeights() throws IOException {
        CliRun r = CliRun.of("fetch-model", "tiny-siglip/sentencepiece-only", "--cache-dir", cache.toString());
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("org/sentencepiece-only has no tokenizer.json"), r.err());
        assertFalse(requests.containsKey("/org/tiny-siglip/resolve/main/open_clip_model.safetensors"), requests.toString());
        Path folder = cache.resolve("open_clip/tiny-siglip/sentencepiece-only");
        assertFalse(Files.exists(folder.resolve(PretrainedTags.FETCHED_FILE)));
        ClipMatchException e = assertThrows(ClipMatchException.class,
                () -> ClipMatch.load("tiny-siglip/sentencepiece-only", new ClipMatch.Options(cache, null, null, 1, "cpu")));
        assertTrue(e.getMessage().contains("is not downloaded"), e.getMessage());

        // a tokenizer clipmatch cannot read (another tokenizer class) is refused before the weights too
        CliRun xlm = CliRun.of("fetch-model", "tiny-siglip/xlm-tokenizer", "--cache-dir", cache.toString());
        assertEquals(2, xlm.code(), xlm.err());
        assertTrue(xlm.err().contains("XLMRobertaTokenizer"), xlm.err());
        assertFalse(requests.containsKey("/org/tiny-siglip/resolve/main/open_clip_model.safetensors"), requests.toString());
        Path xlmFolder = cache.resolve("open_clip/tiny-siglip/xlm-tokenizer");
        assertFalse(Files.exists(xlmFolder.resolve(PretrainedTags.FETCHED_FILE)));
        // nor are its files left for the next fetch to take as put there by hand
        assertFalse(Files.exists(xlmFolder.resolve("tokenizer.json")) || Files.exists(xlmFolder.resolve("tokenizer_config.json")));
        assertEquals(2, CliRun.of("fetch-model", "tiny-siglip/xlm-tokenizer", "--cache-dir", cache.toString()).code());
        assertEquals(2, requests.get("/org/xlm-tokenizer/resolve/main/tokenizer_config.json"));

        // so is one whose special_tokens_map.json pads with another token than tokenizer_config.json (transformers would take the map's)
        CliRun otherPad = CliRun.of("fetch-model", "tiny-siglip/other-pad", "--cache-dir", cache.toString());
        assertEquals(2, otherPad.code(), otherPad.err());
        assertTrue(otherPad.err().contains("special_tokens_map.json: pad_token \"<unk>\" is not tokenizer_config.json's \"</s>\""), otherPad.err());
        assertFalse(requests.containsKey("/org/tiny-siglip/resolve/main/open_clip_model.safetensors"), requests.toString());
    }

    @Test
    void modelsFiltersByFamilyAndLoadability() throws IOException {
        System.clearProperty(PretrainedTags.TABLE_PROPERTY);
        CliRun r = CliRun.of("models", "--json", "--family", "resnet", "--loadable", "--cache-dir", cache.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode rows = JSON.readTree(r.out());
        assertTrue(rows.size() >= 9, r.out());
        for (JsonNode n : rows) assertTrue(n.get("family").asText().equals("ResNet") && n.get("loadable").asBoolean(), n.toString());
        CliRun table = CliRun.of("models", "--cache-dir", cache.toString());
        assertTrue(table.out().contains("RN50/openai") && table.out().contains("LOADABLE") && table.out().contains("unconfirmed"), table.out());
    }

    private static void gunzip(Path src, Path dst) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(src), 1 << 16)) {
            Files.copy(in, dst);
        }
    }
}
