package dev.clipmatch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clipmatch.CliRun;
import dev.clipmatch.TestData;
import dev.clipmatch.model.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The study demo's report.html (tools/study.sh's run: the tiny fixture model on the captioned photos of
 * ../shared/data), with one caption and one file name made hostile, rendered in headless Chromium: no console
 * error, every image decoded, N queries per direction, the caption shown literally, no network request.
 * Also `match --html`. Skips only where no browser is installed, never in CI.
 */
class ReportBrowserTest {
    static final String HOSTILE_CAPTION = "<script>alert(1)</script>";
    static final String HOSTILE_FILE = "odd <b>&amp; \"name's\".jpg";
    static final int EXAMPLES = HtmlReport.DEFAULT_EXAMPLES;

    @TempDir
    Path dir;

    static Path browser() {
        Optional<Path> found = Chromium.find();
        if (found.isEmpty() && "true".equals(System.getenv("CI")))
            throw new AssertionError("CI requires a browser for the report test: apt-get install chromium (.ci/run does), or set CLIPMATCH_CHROMIUM");
        assumeTrue(found.isPresent(), "no Chromium found (apt-get install chromium, or set CLIPMATCH_CHROMIUM)");
        return found.get();
    }

    @Test
    void studyDemoReportRendersOfflineWithEscapedCaptionsAndNoErrors() throws Exception {
        Path chromium = browser();
        Path root = TestData.path("image_captions.tsv").getParent();
        Path model = Files.copy(TinyModels.torchScript(), Files.createDirectories(dir.resolve("model")).resolve("tiny.pt"));
        Files.copy(root.resolve("clip/bpe_simple_vocab_16e6.txt.gz"), dir.resolve("model/bpe_simple_vocab_16e6.txt.gz"));

        // The demo's data set without its missing image, so that the examples drawn for seed 0 are known here.
        List<String[]> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(root.resolve("image_captions.tsv"));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t", 3);
            if (Files.isRegularFile(root.resolve(f[0]))) rows.add(f);
        }
        Map<String, Integer> imageIndex = new LinkedHashMap<>();
        for (String[] r : rows) imageIndex.putIfAbsent(r[0], imageIndex.size());
        ExampleSelection shown = ExampleSelection.of(imageIndex.size(), rows.size(), EXAMPLES, 0);
        String renamed = new ArrayList<>(imageIndex.keySet()).get(shown.images()[0]);
        Path images = Files.createDirectories(dir.resolve("images"));
        Files.copy(root.resolve(renamed), images.resolve(HOSTILE_FILE));
        StringBuilder tsv = new StringBuilder("image_path\tcaption_index\tcaption\n");
        for (int c = 0; c < rows.size(); c++) {
            String[] r = rows.get(c);
            String image = r[0].equals(renamed) ? HOSTILE_FILE : root.resolve(r[0]).toAbsolutePath().toString();
            tsv.append(image).append('\t').append(r[1]).append('\t').append(c == shown.captions()[0] ? HOSTILE_CAPTION : r[2]).append('\n');
        }
        Path data = Files.writeString(dir.resolve("demo.tsv"), tsv);

        Path run = dir.resolve("run");
        CliRun sweep = CliRun.of("sweep", "--model", model.toString(), "--dataset", data.toString(), "--images", images.toString(), "--on-error", "skip",
                "--sample-images", "5,10,20", "--iterations", "50", "--out", run.toString(), "--cache-dir", dir.resolve("cache").toString());
        assertEquals(0, sweep.code(), sweep.err());
        assertTrue(Files.readString(run.resolve("report.md")).contains("[report.html](report.html)"), "report.md links the HTML report");

        try (Chromium browser = new Chromium(chromium, dir.resolve("profile"))) {
            Chromium.Visit page = browser.open(run.resolve("report.html").toUri().toString());
            assertEquals(List.of(), page.errors(), "console and log errors");
            assertTrue(page.requests().size() > 1, "requests are observed: " + page.requests());
            for (String url : page.requests()) assertTrue(url.startsWith("file:") || url.startsWith("data:"), "network request: " + url);

            JsonNode imgs = browser.evaluate(page, "Array.from(document.images).map(i => [i.getAttribute('src'), i.naturalWidth])");
            assertTrue(imgs.size() > 2 * EXAMPLES, "images on the page: " + imgs.size());
            for (JsonNode img : imgs) assertTrue(img.get(1).asInt() > 0, "not decoded: " + img.get(0).asText());
            assertTrue(imgs.toString().contains("recall.png"), "the recall chart is on the page");

            for (String section : List.of("examples-i2t", "examples-t2i", "failures-i2t", "failures-t2i"))
                assertEquals(EXAMPLES, browser.evaluate(page, "document.querySelectorAll('#" + section + " > .query').length").asInt(), section);
            assertEquals(0, browser.evaluate(page, "document.scripts.length").asInt(), "no script element");
            String text = browser.evaluate(page, "document.body.innerText").asText();
            assertTrue(text.contains(HOSTILE_CAPTION), "the caption is shown as text");
            assertTrue(text.contains(HOSTILE_FILE), "the file name is shown as text");
            assertTrue(browser.evaluate(page, "document.querySelectorAll('table.probabilities').length").asInt() >= 5, "probability tables");
            browser.screenshot(page, Path.of("target", "report-browser", "report.png"), 1200, 900);
            browser.evaluate(page, "document.getElementById('examples').scrollIntoView(), 0");
            browser.screenshot(page, Path.of("target", "report-browser", "examples.png"), 1200, 900);

            // match --html: the same table for one image and the captions given, image inline.
            Path matchHtml = dir.resolve("match.html"), matchJson = dir.resolve("match.json");
            List<String> captions = List.of("a photo of a dog", HOSTILE_CAPTION, "two people & a bicycle");
            List<String> args = new ArrayList<>(List.of("match", "--model", model.toString(), images.resolve(HOSTILE_FILE).toString()));
            args.addAll(captions);
            args.addAll(List.of("--html", matchHtml.toString(), "--json", matchJson.toString()));
            CliRun match = CliRun.of(args.toArray(new String[0]));
            assertEquals(0, match.code(), match.err());
            Chromium.Visit matchPage = browser.open(matchHtml.toUri().toString());
            assertEquals(List.of(), matchPage.errors(), "console and log errors");
            for (String url : matchPage.requests()) assertTrue(url.startsWith("file:") || url.startsWith("data:"), "network request: " + url);
            assertEquals(1, browser.evaluate(matchPage, "document.images.length").asInt());
            assertTrue(browser.evaluate(matchPage, "document.images[0].naturalWidth").asInt() > 0, "inline image decoded");
            JsonNode shownOrder = browser.evaluate(matchPage, "Array.from(document.querySelectorAll('table.probabilities td.t')).map(td => td.textContent)");
            List<String> jsonOrder = new ArrayList<>();
            for (JsonNode row : new ObjectMapper().readTree(matchJson.toFile()).get("captions")) jsonOrder.add(row.get("caption").asText());
            List<String> htmlOrder = new ArrayList<>();
            for (JsonNode cell : shownOrder) htmlOrder.add(cell.asText());
            assertEquals(jsonOrder, htmlOrder, "the HTML table lists match's captions in match's order, literally");
        }
    }
}
