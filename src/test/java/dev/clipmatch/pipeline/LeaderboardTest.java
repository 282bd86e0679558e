package dev.clipmatch.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clipmatch.CliRun;
import dev.clipmatch.TestData;
import dev.clipmatch.model.TinyModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * sweep --model A,B --dataset X,Y end to end: two different tiny open_clip models
 * on two subsets of the shared captioned photos; every leaderboard row must carry exactly the numbers of its pair's
 * report.json and of the same pair swept alone (on a separate cache); a failing pair is listed, the others written.
 */
class LeaderboardTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    static Path datasetA, datasetB, vocab, images;
    static List<String> models;

    @BeforeAll
    static void data() throws IOException {
        List<String> lines = Files.readAllLines(TestData.path("image_captions.tsv"));
        datasetA = Files.write(dir.resolve("subset-a.tsv"), lines.subList(0, 16));
        List<String> b = new ArrayList<>(List.of(lines.get(0)));
        b.addAll(lines.subList(16, 46));
        datasetB = Files.write(dir.resolve("subset-b.tsv"), b);
        vocab = TestData.path("clip/bpe_simple_vocab_16e6.txt.gz");
        images = TestData.path(".");
        // two different tiny models (TinyModels' TorchScript archive holds the same weights as its open_clip folder)
        Path other = Files.createDirectories(dir.resolve("vit-quickgelu"));
        Path fixture = TinyModels.resource("../open_clip/vit-quickgelu");
        Files.copy(fixture.resolve("open_clip_config.json"), other.resolve("open_clip_config.json"));
        try (InputStream in = new GZIPInputStream(Files.newInputStream(fixture.resolve("open_clip_model.safetensors.gz")))) {
            Files.copy(in, other.resolve("open_clip_model.safetensors"));
        }
        models = List.of(TinyModels.openClip().toString(), other.toString());
    }

    private static CliRun sweep(String model, String dataset, Path out, Path cache) {
        return CliRun.of("sweep", "--model", model, "--dataset", dataset, "--images", images.toString(), "--vocab", vocab.toString(), "--sample-images", "2",
                "--iterations", "3", "--examples", "2", "--threads", "1", "--out", out.toString(), "--cache-dir", cache.toString());
    }

    @Test
    void everyRowIsItsPairsReportAndTheSinglePairSweeps() throws IOException {
        Path root = dir.resolve("board");
        CliRun r = sweep(String.join(",", models), datasetA + "," + datasetB, root, dir.resolve("cache"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("sweep: pair 4/4"), r.err());
        JsonNode board = JSON.readTree(root.resolve("leaderboard.json").toFile());
        assertEquals("[1,5,10]", board.get("k").toString());
        assertEquals(0, board.get("failed").size());
        JsonNode rows = board.get("rows");
        assertEquals(4, rows.size());
        String html = Files.readString(root.resolve("leaderboard.html"));
        String csv = Files.readString(root.resolve("leaderboard.csv"));
        assertTrue(csv.startsWith("model,dataset,images,captions,image_to_text_R@1,image_to_text_R@5,image_to_text_R@10,text_to_image_R@1,"
                + "text_to_image_R@5,text_to_image_R@10,rsum,"), csv);
        assertEquals(5, csv.lines().count(), csv);
        int ordinal = 0;
        for (JsonNode row : rows) {
            Path run = root.resolve(row.get("run").asText());
            assertSameNumbers(row, JSON.readTree(run.resolve("report.json").toFile()), "leaderboard vs its RUN_DIR");
            assertTrue(html.contains("href=\"" + row.get("run").asText() + "/report.html\""), html);
            assertTrue(Files.isRegularFile(run.resolve("report.html")));
            // the same pair alone, encoded afresh on its own cache
            Path single = dir.resolve("single-" + ordinal++);
            CliRun alone = sweep(row.get("model").asText(), row.get("dataset").asText().startsWith("subset-a") ? datasetA.toString() : datasetB.toString(),
                    single, dir.resolve("cache-single"));
            assertEquals(0, alone.code(), alone.err());
            assertSameNumbers(row, JSON.readTree(single.resolve("report.json").toFile()), "leaderboard vs single-pair sweep");
        }
        assertTrue(rows.get(0).get("rsum").asDouble() != rows.get(1).get("rsum").asDouble() || rows.get(2).get("rsum").asDouble() != rows.get(3).get("rsum").asDouble(),
                "the two models should score differently somewhere, or rows could be swapped unnoticed: " + rows);
        // within a dataset, best rsum first
        for (int i = 1; i < rows.size(); i++) {
            if (rows.get(i).get("dataset").equals(rows.get(i - 1).get("dataset")))
                assertTrue(rows.get(i).get("rsum").asDouble() <= rows.get(i - 1).get("rsum").asDouble(), rows.toString());
        }
    }

    @Test
    void aFailingPairIsListedAndTheOthersAreWrittenFromTheCache() throws IOException {
        Path broken = Files.write(dir.resolve("broken.safetensors"), new byte[] {1, 2, 3});
        Path root = dir.resolve("with-failure");
        Path cache = dir.resolve("cache-failure");
        CliRun first = sweep(models.get(0) + "," + broken, datasetA + "," + datasetB, root, cache);
        assertEquals(2, first.code(), first.out());
        JsonNode board = JSON.readTree(root.resolve("leaderboard.json").toFile());
        assertEquals(2, board.get("rows").size());
        assertEquals(2, board.get("failed").size());
        assertTrue(board.get("failed").get(0).get("error").asText().contains("broken.safetensors"), board.toString());
        assertEquals(2, first.err().lines().filter(l -> l.startsWith("clipmatch: pair ") && l.contains("failed")).count(), first.err());
        assertTrue(Files.readString(root.resolve("leaderboard.md")).contains("Failed pairs"));
        // a rerun re-evaluates the finished pairs from the embedding cache: nothing is encoded again
        CliRun again = sweep(models.get(0) + "," + broken, datasetA + "," + datasetB, root, cache);
        assertEquals(2, again.code(), again.err());
        for (JsonNode row : JSON.readTree(root.resolve("leaderboard.json").toFile()).get("rows")) {
            JsonNode report = JSON.readTree(root.resolve(row.get("run").asText()).resolve("report.json").toFile());
            assertEquals(0, report.get("run").get("images_encoded").asInt(), report.toString());
            assertEquals(0, report.get("run").get("texts_encoded").asInt(), report.toString());
        }
    }

    @Test
    void argumentsThatCannotWorkAreRefusedBeforeEncoding() throws IOException {
        Path root = dir.resolve("refused");
        CliRun similarity = CliRun.of("sweep", "--model", String.join(",", models), "--dataset", datasetA.toString(), "--similarity", datasetA.toString(),
                "--out", root.toString(), "--cache-dir", dir.resolve("cache-refused").toString());
        assertEquals(2, similarity.code(), similarity.err());
        assertTrue(similarity.err().contains("--similarity"), similarity.err());
        CliRun notDownloaded = sweep(models.get(0) + ",ViT-B-32/laion2b_s34b_b79k", datasetA.toString(), root, dir.resolve("cache-refused"));
        assertEquals(2, notDownloaded.code(), notDownloaded.err());
        assertTrue(notDownloaded.err().contains("fetch-model ViT-B-32/laion2b_s34b_b79k"), notDownloaded.err());
        Path sameName = Files.createDirectories(dir.resolve("elsewhere")).resolve(datasetA.getFileName());
        Files.copy(datasetA, sameName, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CliRun clash = sweep(String.join(",", models), datasetA + "," + sameName, root, dir.resolve("cache-refused"));
        assertEquals(2, clash.code(), clash.err());
        assertTrue(clash.err().contains("same name"), clash.err());
        assertTrue(!Files.exists(root), "nothing is written before the arguments are checked");
    }

    private static void assertSameNumbers(JsonNode row, JsonNode report, String what) {
        assertEquals(report.get("images").asInt(), row.get("images").asInt(), what);
        assertEquals(report.get("captions").asInt(), row.get("captions").asInt(), what);
        for (String k : List.of("R@1", "R@5", "R@10")) {
            assertEquals(report.get("image_to_text").get(k).asDouble(), row.get("image_to_text").get(k).asDouble(), 0.0, what + " image_to_text " + k);
            assertEquals(report.get("text_to_image").get(k).asDouble(), row.get("text_to_image").get(k).asDouble(), 0.0, what + " text_to_image " + k);
        }
        assertEquals(report.get("rsum").asDouble(), row.get("rsum").asDouble(), 0.0, what + " rsum");
    }
}
