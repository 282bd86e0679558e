package dev.clipmatch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clipmatch.ClipMatch;
import dev.clipmatch.CliRun;
import dev.clipmatch.TestData;
import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.model.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The probability tables of the report (the study's Tables 2 and 4): each sums to 1, is sorted, and equals `match`. */
class ProbabilityTableTest {
    @TempDir
    Path dir;

    @Test
    void tablesSumToOneAreSortedAndEqualMatch() throws Exception {
        Path model = Files.copy(TinyModels.torchScript(), dir.resolve("tiny.pt"));
        Files.copy(TestData.path("clip/bpe_simple_vocab_16e6.txt.gz"), dir.resolve("bpe_simple_vocab_16e6.txt.gz"));
        Path root = TestData.path("image_captions.tsv").getParent();
        Map<String, List<String>> byImage = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(root.resolve("image_captions.tsv"));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t", 3);
            if (f[0].startsWith("flickr8k/") && (byImage.size() < 6 || byImage.containsKey(f[0]))) byImage.computeIfAbsent(f[0], k -> new ArrayList<>()).add(f[2]);
        }
        List<String> names = List.copyOf(byImage.keySet()), captions = new ArrayList<>();
        List<Long> owner = new ArrayList<>();
        for (int i = 0; i < names.size(); i++)
            for (String c : byImage.get(names.get(i))) {
                captions.add(c);
                owner.add((long) i);
            }
        ClipMatch clip = ClipMatch.load(model.toString());
        Embeddings images = clip.encodeImages(names.stream().map(root::resolve).toList()), texts = clip.encodeTexts(captions);
        long[] captionImage = owner.stream().mapToLong(Long::longValue).toArray();
        int[] sample = {1, 3, 4};

        List<ProbabilityTable> tables = ProbabilityTable.forSample(sample, names, images, texts, captions, captionImage, clip.backend(), clip.model().logitScale());
        assertEquals(sample.length, tables.size());
        for (int t = 0; t < tables.size(); t++) {
            ProbabilityTable table = tables.get(t);
            assertEquals(15, table.rows().size(), "the captions of the sample's three images");
            double sum = 0;
            for (int r = 0; r < table.rows().size(); r++) {
                ProbabilityTable.Row row = table.rows().get(r);
                sum += row.probability();
                if (r > 0) assertTrue(table.rows().get(r - 1).probability() >= row.probability(), "sorted");
                assertEquals(byImage.get(names.get(sample[t])).contains(row.text()), row.positive(), row.text());
            }
            assertEquals(1.0, sum, 1e-5, table.image());

            // `match` on the same image and the same captions gives the same probabilities, in the same order.
            List<String> args = new ArrayList<>(List.of("match", "--model", model.toString(), root.resolve(names.get(sample[t])).toString()));
            for (int c = 0; c < captions.size(); c++) if (captionImage[c] == 1 || captionImage[c] == 3 || captionImage[c] == 4) args.add(captions.get(c));
            Path json = dir.resolve("match" + t + ".json");
            args.addAll(List.of("--json", json.toString()));
            CliRun match = CliRun.of(args.toArray(new String[0]));
            assertEquals(0, match.code(), match.err());
            JsonNode rows = new ObjectMapper().readTree(json.toFile()).get("captions");
            assertEquals(table.rows().size(), rows.size());
            for (int r = 0; r < rows.size(); r++) {
                assertEquals(rows.get(r).get("caption").asText(), table.rows().get(r).text(), "row " + r);
                assertEquals(rows.get(r).get("probability").asDouble(), table.rows().get(r).probability(), 1e-5, "row " + r);
            }
        }
    }
}
