package dev.clipmatch.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.TestData;
import dev.clipmatch.CliRun;
import dev.clipmatch.TestJson;
import dev.clipmatch.io.Npy;
import dev.clipmatch.model.ClipModel;
import dev.clipmatch.model.TinyModels;
import dev.clipmatch.ClipMatch;
import dev.clipmatch.kernels.Embeddings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sweep, eval, match and search together on real captioned photos (../shared/data) with the tiny fixture model:
 * report files, agreement with eval, the cache on rerun, resuming after a failure, and missing images.
 */
class StudyEndToEndTest {
    @TempDir
    Path dir;

    Path model, cache, captions;

    @BeforeEach
    void setUp() throws Exception {
        Path modelDir = Files.createDirectories(dir.resolve("model"));
        model = Files.copy(TinyModels.torchScript(), modelDir.resolve("tiny.pt"));
        Files.copy(TestData.path("clip/bpe_simple_vocab_16e6.txt.gz"), modelDir.resolve("bpe_simple_vocab_16e6.txt.gz")); // tokenizer travels with the model
        cache = dir.resolve("cache");
        captions = TestData.path("image_captions.tsv");
    }

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(Path p) throws Exception {
        return TestJson.parseObject(Files.readString(p));
    }

    @Test
    @SuppressWarnings("unchecked")
    void sweepReportsEqualEvalAndRerunsFromTheCache() throws Exception {
        Path out = dir.resolve("run");
        String[] sweep = {"sweep", "--model", model.toString(), "--dataset", captions.toString(), "--sample-images", "5,20", "--iterations", "25",
            "--seed", "7", "--out", out.toString(), "--cache-dir", cache.toString(), "--on-error", "skip"};
        CliRun first = run(sweep);
        assertEquals(0, first.code(), first.err());
        for (String f : List.of("report.json", "report.md", "report.csv", "recall.png", "index.json", "image_embeddings.npy", "text_embeddings.npy", "text_image.npy"))
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        Map<String, Object> report = json(out.resolve("report.json"));
        Map<String, Object> runInfo = (Map<String, Object>) report.get("run");
        assertEquals(42L, runInfo.get("images_encoded")); // 43 listed, camera.png is not shipped
        assertEquals(List.of("skimage/camera.png: missing"), runInfo.get("skipped"));

        Path evalJson = dir.resolve("eval.json");
        CliRun eval = run("eval", "--image-embeddings", out.resolve("image_embeddings.npy").toString(), "--text-embeddings",
                out.resolve("text_embeddings.npy").toString(), "--text-image", out.resolve("text_image.npy").toString(), "--sample-images", "5,20",
                "--iterations", "25", "--seed", "7", "--json", evalJson.toString());
        assertEquals(0, eval.code(), eval.err());
        report.remove("run");
        assertEquals(json(evalJson), report, "sweep's recall equals eval on the embeddings it wrote");

        CliRun again = run(sweep);
        assertEquals(0, again.code(), again.err());
        Map<String, Object> rerun = (Map<String, Object>) json(out.resolve("report.json")).get("run");
        assertEquals(0L, rerun.get("images_encoded"));
        assertEquals(0L, rerun.get("texts_encoded"));
        assertEquals(Files.readAllBytes(out.resolve("image_embeddings.npy")).length, Files.size(out.resolve("image_embeddings.npy")));
    }

    @Test
    @SuppressWarnings("unchecked")
    void missingImageFailsClearlyAndAFailedRunResumes() throws Exception {
        CliRun missing = run("sweep", "--model", model.toString(), "--dataset", captions.toString(), "--out", dir.resolve("r0").toString(),
                "--cache-dir", cache.toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("1 image(s) of image_captions.tsv missing") && missing.err().contains("skimage/camera.png"), missing.err());

        // 12 real photos, the 10th replaced by a truncated JPEG: with batches of 4 the run fails in the third batch
        Path images = Files.createDirectories(dir.resolve("images"));
        List<String> lines = new ArrayList<>();
        List<Path> photos;
        try (var s = Files.list(TestData.path("flickr8k/images"))) {
            photos = s.sorted().limit(12).toList();
        }
        for (int i = 0; i < photos.size(); i++) {
            Path target = images.resolve(photos.get(i).getFileName());
            byte[] bytes = Files.readAllBytes(photos.get(i));
            Files.write(target, i == 9 ? java.util.Arrays.copyOf(bytes, 200) : bytes);
            lines.add("{\"image\": \"" + target.getFileName() + "\", \"caption\": \"photo number " + i + "\"}");
        }
        Path data = Files.write(images.resolve("data.jsonl"), lines);
        String[] args = {"sweep", "--model", model.toString(), "--dataset", data.toString(), "--batch-size", "4", "--sample-images", "3",
            "--iterations", "5", "--out", dir.resolve("r1").toString(), "--cache-dir", cache.toString()};
        CliRun failed = run(args);
        assertEquals(2, failed.code(), failed.err());
        assertTrue(failed.err().contains(photos.get(9).getFileName().toString()), failed.err());
        String[] skip = java.util.Arrays.copyOf(args, args.length + 2);
        skip[args.length] = "--on-error";
        skip[args.length + 1] = "skip";
        CliRun resumed = run(skip);
        assertEquals(0, resumed.code(), resumed.err());
        Map<String, Object> runInfo = (Map<String, Object>) json(dir.resolve("r1/report.json")).get("run");
        assertEquals(3L, runInfo.get("images_encoded"), "the two batches finished before the failure came from the cache");
        assertEquals(1, ((List<Object>) runInfo.get("skipped")).size());
        assertEquals(11L, json(dir.resolve("r1/report.json")).get("images"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void matchGivesTheSoftmaxOfTheModelsLogitsAndSearchRetrieves() throws Exception {
        Path image = TestData.path("coco/000000039769.png");
        List<String> texts = List.of("a photo of a cat", "a photo of a dog", "a diagram");
        Path out = dir.resolve("match.json");
        List<String> args = new ArrayList<>(List.of("match", "--model", model.toString(), image.toString()));
        args.addAll(texts);
        args.addAll(List.of("--json", out.toString()));
        CliRun r = run(args.toArray(new String[0]));
        assertEquals(0, r.code(), r.err());
        List<Map<String, Object>> rows = (List<Map<String, Object>>) json(out).get("captions");
        double sum = 0;
        for (Map<String, Object> row : rows) sum += (double) row.get("probability");
        assertEquals(1.0, sum, 1e-6);

        // the softmax of logit_scale * cosine, computed here from the model's raw embeddings
        ClipMatch clip = ClipMatch.load(model.toString());
        Embeddings im = clip.encodeImages(List.of(image)), tx = clip.encodeTexts(texts);
        ClipModel m = clip.model();
        double[] logits = new double[texts.size()];
        double max = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < texts.size(); t++) {
            double dot = 0, ni = 0, nt = 0;
            for (int d = 0; d < im.dim(); d++) {
                dot += im.get(0, d) * tx.get(t, d);
                ni += im.get(0, d) * im.get(0, d);
                nt += tx.get(t, d) * tx.get(t, d);
            }
            logits[t] = m.logitScale() * dot / Math.sqrt(ni * nt);
            max = Math.max(max, logits[t]);
        }
        double z = 0;
        for (double l : logits) z += Math.exp(l - max);
        for (Map<String, Object> row : rows) {
            int t = texts.indexOf((String) row.get("caption"));
            assertEquals(Math.exp(logits[t] - max) / z, (double) row.get("probability"), 1e-5);
        }
        assertTrue((double) rows.get(0).get("probability") >= (double) rows.get(1).get("probability"), "sorted");

        Path runDir = dir.resolve("run");
        assertEquals(0, run("sweep", "--model", model.toString(), "--dataset", captions.toString(), "--sample-images", "5", "--iterations", "3",
                "--out", runDir.toString(), "--cache-dir", cache.toString(), "--on-error", "skip").code());
        Path res = dir.resolve("search.json");
        CliRun s = run("search", "--index", runDir.toString(), "--text", "a cat on a couch", "-k", "4", "--model", model.toString(),
                "--json", res.toString());
        assertEquals(0, s.code(), s.err());
        List<Map<String, Object>> results = (List<Map<String, Object>>) json(res).get("results");
        assertEquals(4, results.size());
        Npy.FloatArray images = Npy.readFloats(runDir.resolve("image_embeddings.npy"));
        Embeddings q = clip.encodeTexts(List.of("a cat on a couch"));
        var want = clip.search(q, new Embeddings(images.data(), images.rows(), images.cols()), 4);
        for (int i = 0; i < 4; i++) assertEquals(want.indices()[i], (long) results.get(i).get("index"));
        CliRun bad = run("search", "--index", dir.toString(), "--text", "x");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("index.json: no such file"), bad.err());
    }
}
