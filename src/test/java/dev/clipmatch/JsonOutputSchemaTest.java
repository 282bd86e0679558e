package dev.clipmatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.clipmatch.io.Npy;
import dev.clipmatch.model.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins every JSON output's schema: keys in order, and the JSON type of each value (int, num, str, bool, null, lists
 * by their element). The expected strings were taken from the outputs of the hand-written JSON writer that Jackson
 * records replaced, so a change here is a change of the contract.
 */
class JsonOutputSchemaTest {
    @TempDir
    static Path dir;

    static final String METRICS = "{R@1:num,R@5:num,R@10:num,mean_rank:num,median_rank:num}";
    static final String STAT = "{mean:num,std:num,ci95:[num]}";
    static final String STATS = "{R@1:" + STAT + ",R@5:" + STAT + ",R@10:" + STAT + ",mean_rank:" + STAT + ",median_rank:" + STAT + "}";
    static final String EVAL = "images:int,captions:int,image_to_text:" + METRICS + ",text_to_image:" + METRICS + ",rsum:num,"
            + "sampled:[{images:int,iterations:int,seed:int,image_to_text:" + STATS + ",text_to_image:" + STATS + ",rsum:" + STAT + "}]";
    static final String DIFF = "{mean:num,std:num,ci95:[num],a_wins:int,b_wins:int,ties:int}";
    static final String DIFFS = "{R@1:" + DIFF + ",R@5:" + DIFF + ",R@10:" + DIFF + ",mean_rank:" + DIFF + ",median_rank:" + DIFF + "}";
    static final String MODEL_CONFIG = "{embed_dim:int,image_resolution:int,patch_size:int,vision_width:int,vision_layers:int,vision_heads:int,"
            + "text_width:int,text_layers:int,text_heads:int,context_length:int,vocab_size:int,activation:str}";
    static final String SIDECAR_HEAD = "kind:str,model:str,checkpoint:str,checkpoint_format:str,checkpoint_sha256:str,model_config:" + MODEL_CONFIG;
    static final String SIDECAR_TAIL = "normalized:bool,dtype:str,input:str,shape:[int],count:int";

    static Path images, texts, textImage, vocab;

    @BeforeAll
    static void embeddings() {
        Random rng = new Random(3);
        float[] im = new float[6 * 8], tx = new float[12 * 8];
        for (int i = 0; i < im.length; i++) im[i] = (float) rng.nextGaussian();
        for (int i = 0; i < tx.length; i++) tx[i] = (float) rng.nextGaussian();
        long[] owner = new long[12];
        for (int t = 0; t < 12; t++) owner[t] = t / 2;
        images = dir.resolve("i.npy");
        texts = dir.resolve("t.npy");
        textImage = dir.resolve("g.npy");
        Npy.writeFloats(images, im, 6, 8);
        Npy.writeFloats(texts, tx, 12, 8);
        Npy.writeLongs(textImage, owner, 12);
        vocab = TestData.path("clip/bpe_simple_vocab_16e6.txt.gz");
    }

    /** The schema of a JSON value: objects with their keys in order, lists by their (single) element schema. */
    static String schema(JsonNode v) {
        if (v.isObject()) {
            List<String> parts = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                parts.add(e.getKey() + ":" + schema(e.getValue()));
            }
            return "{" + String.join(",", parts) + "}";
        }
        if (v.isArray()) {
            TreeSet<String> elements = new TreeSet<>();
            v.forEach(e -> elements.add(schema(e)));
            if (elements.size() > 1) throw new AssertionError("mixed list: " + elements);
            return "[" + (elements.isEmpty() ? "" : elements.first()) + "]";
        }
        if (v.isIntegralNumber()) return "int";
        if (v.isNumber()) return "num";
        if (v.isTextual()) return "str";
        if (v.isBoolean()) return "bool";
        if (v.isNull()) return "null";
        throw new AssertionError("unexpected " + v.getNodeType());
    }

    static String schemaOf(Path file) throws IOException {
        return schema(JsonMapper.builder().build().readTree(Files.readString(file)));
    }

    static void ok(String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void evalJson() throws IOException {
        Path json = dir.resolve("eval.json");
        ok("eval", "--image-embeddings", images.toString(), "--text-embeddings", texts.toString(), "--text-image", textImage.toString(),
                "--sample-images", "3", "--iterations", "4", "--json", json.toString());
        assertEquals("{" + EVAL + "}", schemaOf(json));
    }

    @Test
    void evalJsonWithComparisonAndFusion() throws IOException {
        Path scores = dir.resolve("s.npy");
        float[] s = new float[6 * 12];
        Random rng = new Random(5);
        for (int i = 0; i < s.length; i++) s[i] = (float) rng.nextGaussian();
        Npy.writeFloats(scores, s, 6, 12);
        Path json = dir.resolve("cmp.json");
        ok("eval", "--image-embeddings", images.toString(), "--text-embeddings", texts.toString(), "--text-image", textImage.toString(),
                "--similarity", scores.toString(), "--fuse", "0.5", "--sample-images", "3", "--iterations", "4", "--json", json.toString());
        String paired = "[{images:int,iterations:int,seed:int,image_to_text:" + DIFFS + ",text_to_image:" + DIFFS + ",rsum:" + DIFF + "}]";
        assertEquals("{" + EVAL + ",external:{" + EVAL + "},comparison:" + paired + ",fused:{weight:num," + EVAL + "}}", schemaOf(json));
    }

    @Test
    void sweepReportJson() throws IOException {
        List<String> lines = Files.readAllLines(TestData.path("image_captions.tsv")).subList(0, 16);
        Path dataset = Files.write(dir.resolve("small.tsv"), lines);
        Path out = dir.resolve("run");
        ok("sweep", "--model", TinyModels.openClip().toString(), "--vocab", vocab.toString(), "--dataset", dataset.toString(), "--images",
                TestData.path(".").toString(), "--sample-images", "2", "--iterations", "3", "--out", out.toString(), "--cache-dir",
                dir.resolve("cache").toString());
        String run = "run:{model:str,checkpoint_sha256:str,dataset:str,images_encoded:int,texts_encoded:int,skipped:[],duplicate_content:[],"
                + "seconds:{read:num,encode_images:num,read_cache:num,encode_texts:num,write_embeddings:num,evaluate:num,report:num,html_report:num}}";
        assertEquals("{" + EVAL + "," + run + "}", schemaOf(out.resolve("report.json")));
        assertEquals("{model:str,checkpoint_sha256:str,preprocess:str,dataset:str,images:[str],captions:[str]}", schemaOf(out.resolve("index.json")));
    }

    @Test
    void matchJson() throws IOException {
        Path json = dir.resolve("match.json");
        ok("match", "--model", TinyModels.openClip().toString(), "--vocab", vocab.toString(), "--device", "cpu",
                TestData.path("skimage/chelsea.png").toString(), "a cat", "a dog", "--json", json.toString());
        assertEquals("{image:str,model:str,captions:[{caption:str,probability:num}]}", schemaOf(json));
    }

    @Test
    void embedSidecars() throws IOException {
        Path textFile = Files.writeString(dir.resolve("texts.txt"), "a cat\na dog\n");
        Path textOut = dir.resolve("texts.npy");
        ok("embed", "--model", TinyModels.openClip().toString(), "--vocab", vocab.toString(), "--texts", textFile.toString(), "--out",
                textOut.toString(), "--cache-dir", dir.resolve("cache").toString());
        assertEquals("{" + SIDECAR_HEAD + ",tokenizer:{vocabulary:str,context_length:int,truncate:bool}," + SIDECAR_TAIL + ",order:[int],skipped:[],npy_sha256:str}",
                schemaOf(dir.resolve("texts.json")));
        Path imageOut = dir.resolve("images.npy");
        ok("embed", "--model", TinyModels.openClip().toString(), "--images", TestData.path("skimage").toString(), "--out", imageOut.toString(),
                "--cache-dir", dir.resolve("cache").toString(), "--normalize");
        assertEquals("{" + SIDECAR_HEAD + ",preprocess:{preset:str,size:int,resize_mode:str,interpolation:str,crop:str,mean:[num],std:[num]},"
                + SIDECAR_TAIL + ",order:[str],skipped:[],duplicate_content:[],npy_sha256:str}", schemaOf(dir.resolve("images.json")));
    }

    @Test
    void modelsJson() throws IOException {
        CliRun r = CliRun.of("models", "--json", "--cache-dir", dir.resolve("cache").toString());
        assertEquals(0, r.code(), r.err());
        String common = "image_resolution:int,embed_dim:int,format:str,preprocess:str,url:str,sha256:str,path:str,cached:bool,kind:str,family:str,"
                + "loadable:bool,unsupported:str,checksum:str,hub_repo:str,tokenizer:str}";
        TreeSet<String> kinds = new TreeSet<>();
        for (JsonNode row : JsonMapper.builder().build().readTree(r.out())) {
            boolean tag = row.get("kind").asText().equals("open_clip_tag");
            kinds.add(row.get("kind").asText());
            assertEquals("{name:str,aliases:[" + (tag ? "" : "str") + "],description:str," + common, schema(row), row.get("name").asText());
        }
        assertEquals("[open_clip_tag, registry]", kinds.toString());
    }

    @Test
    void leaderboardJson() throws IOException {
        List<String> lines = Files.readAllLines(TestData.path("image_captions.tsv")).subList(0, 11);
        Path a = Files.write(dir.resolve("lb-a.tsv"), lines);
        Path b = Files.write(dir.resolve("lb-b.tsv"), lines.subList(0, 6));
        Path out = dir.resolve("board");
        ok("sweep", "--model", TinyModels.openClip() + "," + TinyModels.torchScript(), "--vocab", vocab.toString(), "--dataset", a + "," + b, "--images",
                TestData.path(".").toString(), "--sample-images", "1", "--iterations", "2", "--examples", "1", "--out", out.toString(), "--cache-dir",
                dir.resolve("cache").toString());
        String recalls = "{R@1:num,R@5:num,R@10:num}";
        assertEquals("{k:[int],rows:[{model:str,dataset:str,checkpoint_sha256:str,run:str,images:int,captions:int,image_to_text:" + recalls
                + ",text_to_image:" + recalls + ",rsum:num}],failed:[]}", schemaOf(out.resolve("leaderboard.json")));
    }
}
