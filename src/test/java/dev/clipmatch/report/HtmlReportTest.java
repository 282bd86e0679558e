package dev.clipmatch.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.TestData;
import dev.clipmatch.eval.Comparison;
import dev.clipmatch.eval.EmbeddingSource;
import dev.clipmatch.eval.Evaluation;
import dev.clipmatch.eval.Evaluator;
import dev.clipmatch.eval.MatrixSource;
import dev.clipmatch.kernels.CpuBackend;
import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.kernels.ScoreBackend;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** report.html without a model: escaping, sections, thumbnails, determinism, and the failure gallery's order. */
class HtmlReportTest {
    static final int IMAGES = 12, PER_IMAGE = 5, DIM = 16, N = 4;

    @TempDir
    Path dir;

    final ScoreBackend backend = new CpuBackend();
    List<Path> files;
    List<String> captions = new ArrayList<>();
    long[] captionImage = new long[IMAGES * PER_IMAGE];
    Embeddings images, texts;

    HtmlReportTest() {
        Random rng = new Random(3);
        float[] im = new float[IMAGES * DIM], tx = new float[IMAGES * PER_IMAGE * DIM];
        int shown = ExampleSelection.of(IMAGES, IMAGES * PER_IMAGE, N, 0).captions()[0]; // a caption query of seed 0
        for (int i = 0; i < im.length; i++) im[i] = (float) rng.nextGaussian();
        for (int c = 0; c < IMAGES * PER_IMAGE; c++) {
            captionImage[c] = c / PER_IMAGE;
            captions.add(c == shown ? "<script>alert(1)</script>" : "caption " + c + " of <i>image</i> " + c / PER_IMAGE + " & co");
            for (int d = 0; d < DIM; d++) tx[c * DIM + d] = im[(c / PER_IMAGE) * DIM + d] + 1.5f * (float) rng.nextGaussian();
        }
        images = new Embeddings(im, IMAGES, DIM);
        texts = new Embeddings(tx, IMAGES * PER_IMAGE, DIM);
    }

    HtmlReport.Inputs inputs(long seed) throws Exception {
        try (Stream<Path> s = Files.list(TestData.path("flickr8k/images"))) {
            files = s.sorted().limit(IMAGES).toList();
        }
        List<String> names = files.stream().map(p -> p.getFileName().toString()).toList();
        Evaluation e = Evaluator.evaluate(new EmbeddingSource(images, texts, captionImage, backend), new int[] {1, 5, 10}, new int[] {5}, 3, seed,
                new PrintStream(OutputStream.nullOutputStream()));
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("model", "test <model>");
        facts.put("skipped", List.of("<b>x.jpg</b>: missing"));
        facts.put("seconds", Map.of("encode", 1.25));
        return new HtmlReport.Inputs("Test & <report>", names, files, captions, captionImage, images, texts, 100f, backend, e, null, null, facts,
                new int[] {5}, seed, N);
    }

    @Test
    void everyTextIsEscapedAndEverySectionIsThere() throws Exception {
        Path run = dir.resolve("run");
        Files.createDirectories(run.resolve("thumbs"));
        Files.write(run.resolve("thumbs/999.jpg"), new byte[] {1}); // a preview of an earlier run
        HtmlReport.write(run, inputs(0));
        String html = Files.readString(run.resolve("report.html"));
        assertFalse(html.toLowerCase().contains("<script"), "no script element, not even from a caption");
        assertTrue(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the caption is shown, escaped");
        assertTrue(html.contains("of &lt;i&gt;image&lt;/i&gt; 3 &amp; co"));
        assertTrue(html.contains("&lt;b&gt;x.jpg&lt;/b&gt;: missing") && html.contains("test &lt;model&gt;") && html.contains("Test &amp; &lt;report&gt;"));
        assertFalse(html.contains("<b>") || html.contains("<i>"), "no markup from the data");
        for (String id : List.of("summary", "examples", "failures", "probabilities", "examples-i2t", "examples-t2i", "failures-i2t", "failures-t2i"))
            assertTrue(html.contains("id=\"" + id + "\""), id);
        assertEquals(4 * N + 5, count(html, "<div class=\"query\">"), "N queries per direction in examples and failures, one table per sample image");
        assertEquals(5, count(html, "<table class=\"probabilities\">"));
        assertTrue(html.contains("src=\"recall.png\""));

        Set<String> referenced = new TreeSet<>();
        Matcher m = Pattern.compile("src=\"(thumbs/\\d+\\.jpg)\"").matcher(html);
        while (m.find()) referenced.add(m.group(1));
        Set<String> written = new TreeSet<>();
        try (Stream<Path> s = Files.list(run.resolve("thumbs"))) {
            s.forEach(p -> written.add("thumbs/" + p.getFileName()));
        }
        assertEquals(referenced, written, "every preview shown is written, and only those");
        for (String t : written) assertTrue(Files.size(run.resolve(t)) > 500, t);
    }

    @Test
    void withAnotherModelsScoresTheSummaryComparesAndFuses() throws Exception {
        HtmlReport.Inputs plain = inputs(0);
        float[] other = new float[IMAGES * IMAGES * PER_IMAGE];
        Random rng = new Random(9);
        for (int i = 0; i < other.length; i++) other[i] = (float) rng.nextGaussian();
        Comparison c = Comparison.run(new EmbeddingSource(images, texts, captionImage, backend), new MatrixSource(other, IMAGES, IMAGES * PER_IMAGE, captionImage),
                0.5, new int[] {1, 5, 10}, new int[] {5}, 3, 0, new PrintStream(OutputStream.nullOutputStream()));
        HtmlReport.write(dir, new HtmlReport.Inputs(plain.title(), plain.imageNames(), plain.imageFiles(), captions, captionImage, images, texts, 100f, backend,
                c.clip(), c, "naaf<&>.npy", plain.facts(), new int[] {5}, 0, N));
        String html = Files.readString(dir.resolve("report.html"));
        assertTrue(html.contains("id=\"comparison\"") && html.contains("clip − naaf&lt;&amp;&gt;.npy"), "the paired comparison table");
        assertTrue(html.contains("fused (w = 0.5)"), "the fused score's rows");
        String full = html.substring(html.indexOf("id=\"full\""), html.indexOf("</table>", html.indexOf("id=\"full\"")));
        for (String model : List.of(">clip<", ">naaf&lt;&amp;&gt;.npy<", ">fused (w = 0.5)<")) assertTrue(full.contains(model), "full-set row of " + model);
    }

    @Test
    void theSameSeedGivesTheSamePage() throws Exception {
        HtmlReport.write(dir.resolve("a"), inputs(5));
        HtmlReport.write(dir.resolve("b"), inputs(5));
        HtmlReport.write(dir.resolve("c"), inputs(6));
        String a = Files.readString(dir.resolve("a/report.html"));
        assertEquals(a, Files.readString(dir.resolve("b/report.html")));
        assertNotEquals(a, Files.readString(dir.resolve("c/report.html")));
    }

    @Test
    void theFailureGalleryHoldsTheWorstRanksAndTopListsAreTheBestScores() throws Exception {
        inputs(0);
        Retrieval r = new Retrieval(images, texts, captionImage, backend);
        long[] worst = new long[IMAGES];
        for (int i = 0; i < IMAGES; i++) worst[i] = r.imageToText(new int[] {i}, 5).get(0).rank();
        List<Retrieval.Query> gallery = r.imageToText(r.worst(true, N), 5);
        long max = java.util.Arrays.stream(worst).max().getAsLong();
        assertEquals(max, gallery.get(0).rank());
        for (int q = 1; q < gallery.size(); q++) assertTrue(gallery.get(q - 1).rank() >= gallery.get(q).rank());

        // brute force: the top caption of image 0 and the rank of its best caption
        double[] cos = new double[texts.rows()];
        for (int c = 0; c < texts.rows(); c++) cos[c] = cosine(0, c);
        int best = 0;
        for (int c = 1; c < cos.length; c++) if (cos[c] > cos[best]) best = c;
        Retrieval.Query q0 = r.imageToText(new int[] {0}, 5).get(0);
        assertEquals(best, q0.top()[0]);
        double bestPositive = Math.max(Math.max(Math.max(cos[0], cos[1]), Math.max(cos[2], cos[3])), cos[4]);
        long higher = java.util.Arrays.stream(cos).filter(v -> v > bestPositive + 1e-6).count();
        assertEquals(higher, q0.rank());
    }

    private double cosine(int image, int caption) {
        double dot = 0, a = 0, b = 0;
        for (int d = 0; d < DIM; d++) {
            dot += images.get(image, d) * texts.get(caption, d);
            a += images.get(image, d) * images.get(image, d);
            b += texts.get(caption, d) * texts.get(caption, d);
        }
        return dot / Math.sqrt(a * b);
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }
}
