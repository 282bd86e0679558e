package dev.clipmatch.report;

import static dev.clipmatch.report.Html.esc;
import static dev.clipmatch.report.Html.fmt;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.eval.Comparison;
import dev.clipmatch.eval.Evaluation;
import dev.clipmatch.eval.PairedComparison;
import dev.clipmatch.eval.SampledProtocol;
import dev.clipmatch.eval.SampledResult;
import dev.clipmatch.image.Thumbnails;
import dev.clipmatch.image.Thumbnails.Thumbnail;
import dev.clipmatch.io.AtomicFiles;
import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.kernels.ScoreBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * report.html of a sweep: the summary tables and recall chart, retrieved examples as in the study's Table 1 /
 * Figure 1, a failure gallery, and probability tables as in its Tables 2 and 4. The page is self-contained and
 * works offline from {@code file://}: inline CSS, no script, thumbnails of the images it shows under
 * RUN_DIR/thumbs/ (made in one parallel pass), every caption and file name HTML-escaped.
 */
public final class HtmlReport {
    public static final int DEFAULT_EXAMPLES = 20;
    /** Candidates listed per query, as in the study's figure. */
    static final int TOP = 5;
    /** Images per probability table sample: the study's 10 (fewer when the protocol's smallest sample is smaller). */
    static final int TABLE_SAMPLE = 10;
    static final int THUMB_SIDE = 160;

    /**
     * What the report needs of a run.
     *
     * @param imageNames the images as the dataset names them; {@code imageFiles} where they are read from
     * @param images raw image embeddings; {@code texts} raw caption embeddings (normalised here, as the evaluation does)
     * @param comparison the comparison with another model's scores, or null; {@code externalName} that model's label
     * @param facts run facts shown as they are (model, checksum, counts, skipped items, seconds per phase, ...)
     * @param sampleSizes the sampled protocol's sizes; the smallest (at most 10) is drawn for the probability tables
     * @param examples queries per direction in the examples and the failure gallery
     */
    public record Inputs(String title, List<String> imageNames, List<Path> imageFiles, List<String> captions, long[] captionImage,
            Embeddings images, Embeddings texts, float logitScale, ScoreBackend backend, Evaluation evaluation, Comparison comparison,
            String externalName, Map<String, ?> facts, int[] sampleSizes, long seed, int examples) {}

    private final Inputs in;
    private final Retrieval retrieval;
    private final TreeSet<Integer> shown = new TreeSet<>();
    private Thumbnail[] thumbs;

    private HtmlReport(Inputs in) {
        this.in = in;
        this.retrieval = new Retrieval(in.images(), in.texts(), in.captionImage(), in.backend());
    }

    /** Loads what the report's thumbnails need while the caller does other work (a sweep: at its start). */
    public static void warmUpInBackground() {
        Thumbnails.warmUpInBackground();
    }

    /** Writes {@code runDir/report.html} and the thumbnails it shows under {@code runDir/thumbs/}. */
    public static void write(Path runDir, Inputs in) {
        new HtmlReport(in).writeTo(runDir);
    }

    private void writeTo(Path runDir) {
        int n = Math.max(0, in.examples());
        ExampleSelection pick = ExampleSelection.of(in.images().rows(), in.texts().rows(), n, in.seed());
        List<Retrieval.Query> i2t = retrieval.imageToText(pick.images(), TOP), t2i = retrieval.textToImage(pick.captions(), TOP);
        List<Retrieval.Query> worstI2t = retrieval.imageToText(retrieval.worst(true, n), TOP);
        List<Retrieval.Query> worstT2i = retrieval.textToImage(retrieval.worst(false, n), TOP);
        int[] sample = tableSample();
        List<ProbabilityTable> tables = ProbabilityTable.forSample(sample, in.imageNames(), in.images(), in.texts(), in.captions(), in.captionImage(),
                in.backend(), in.logitScale());

        for (Retrieval.Query q : i2t) shown.add(q.query());
        for (Retrieval.Query q : worstI2t) shown.add(q.query());
        for (List<Retrieval.Query> list : List.of(t2i, worstT2i))
            for (Retrieval.Query q : list) {
                for (int img : q.top()) shown.add(img);
                shown.add(q.bestPositive());
            }
        for (int img : sample) shown.add(img);
        writeThumbnails(runDir.resolve("thumbs"));

        StringBuilder b = new StringBuilder();
        b.append("<h1>").append(esc(in.title())).append("</h1>\n<nav><a href=\"#summary\">Summary</a><a href=\"#examples\">Retrieved examples</a>")
                .append("<a href=\"#failures\">Failures</a><a href=\"#probabilities\">Probability tables</a></nav>\n");
        summary(b);
        b.append("<section id=\"examples\">\n<h2>Retrieved examples</h2>\n<p class=\"note\">")
                .append(fmt("%d image and %d caption queries, drawn with seed %d. Ground truth in green; ranks are 1-based (1 = retrieved first).</p>\n",
                        i2t.size(), t2i.size(), in.seed()));
        imageQueries(b, "examples-i2t", "Image → text: the top " + TOP + " captions for an image", i2t);
        textQueries(b, "examples-t2i", "Text → image: the top " + TOP + " images for a caption", t2i);
        b.append("</section>\n<section id=\"failures\">\n<h2>Failure gallery</h2>\n<p class=\"note\">The queries whose best positive ranks worst.</p>\n");
        imageQueries(b, "failures-i2t", "Image → text", worstI2t);
        textQueries(b, "failures-t2i", "Text → image", worstT2i);
        b.append("</section>\n");
        probabilitySection(b, sample, tables);
        AtomicFiles.writeString(runDir.resolve("report.html"), Html.page(in.title(), b.toString()));
    }

    private void summary(StringBuilder b) {
        Evaluation e = in.evaluation();
        Comparison c = in.comparison();
        List<Map.Entry<String, Evaluation>> models = new ArrayList<>();
        models.add(Map.entry("clip", e));
        if (c != null) {
            models.add(Map.entry(in.externalName(), c.external()));
            if (c.fused() != null) models.add(Map.entry(fmt("fused (w = %s)", c.fuseWeight()), c.fused()));
        }
        List<String> metrics = List.copyOf(e.imageToText().named().keySet());
        b.append("<section id=\"summary\">\n<h2>Summary</h2>\n<p class=\"note\">").append(fmt("%d images, %d captions. Recall in %%; ranks are 1-based.",
                e.images(), e.captions())).append("</p>\n<h3>Full set</h3>\n<table id=\"full\">\n");
        header(b, List.of("model", "direction"), metrics);
        for (var m : models) {
            Evaluation x = m.getValue();
            b.append("<tr><td class=\"t\" rowspan=\"2\">").append(esc(m.getKey())).append("</td><td class=\"t\">image → text</td>");
            for (double v : x.imageToText().named().values()) b.append("<td>").append(fmt("%.2f", v)).append("</td>");
            b.append("<td rowspan=\"2\">").append(fmt("%.2f", x.rsum())).append("</td></tr>\n<tr><td class=\"t\">text → image</td>");
            for (double v : x.textToImage().named().values()) b.append("<td>").append(fmt("%.2f", v)).append("</td>");
            b.append("</tr>\n");
        }
        b.append("</table>\n");
        if (!e.sampled().isEmpty()) {
            b.append("<h3>Sampled protocol</h3>\n<p class=\"note\">Each sample: N images drawn without replacement with all their captions; ")
                    .append("mean ± standard deviation over the samples, and below it the 95 % confidence interval of the mean.</p>\n<table id=\"sampled\">\n");
            header(b, List.of("model", "images", "iterations", "direction"), metrics);
            for (var m : models)
                for (SampledResult s : m.getValue().sampled()) {
                    b.append("<tr><td class=\"t\" rowspan=\"2\">").append(esc(m.getKey())).append("</td><td rowspan=\"2\">").append(s.images())
                            .append("</td><td rowspan=\"2\">").append(s.iterations()).append("</td><td class=\"t\">image → text</td>");
                    for (SampledResult.Stat st : s.imageToText().values()) b.append(stat(st));
                    b.append(stat(s.rsum()).replace("<td>", "<td rowspan=\"2\">")).append("</tr>\n<tr><td class=\"t\">text → image</td>");
                    for (SampledResult.Stat st : s.textToImage().values()) b.append(stat(st));
                    b.append("</tr>\n");
                }
            b.append("</table>\n");
        }
        b.append("<h3>Recall against sample size</h3>\n<img class=\"chart\" src=\"recall.png\" width=\"1100\" height=\"480\" ")
                .append("alt=\"Recall@K against sample size, both directions\">\n");
        if (c != null) comparison(b, c.paired());
        b.append("<h3>Run</h3>\n<dl class=\"facts\">\n");
        in.facts().forEach((k, v) -> b.append("<dt>").append(esc(k)).append("</dt><dd>").append(fact(v)).append("</dd>\n"));
        b.append("</dl>\n</section>\n");
    }

    private static void header(StringBuilder b, List<String> leading, List<String> metrics) {
        b.append("<tr>");
        for (String h : leading) b.append(h.equals("model") || h.equals("direction") ? "<th class=\"t\">" : "<th>").append(h).append("</th>");
        for (String m : metrics) b.append("<th>").append(esc(m)).append("</th>");
        b.append("<th>rsum</th></tr>\n");
    }

    private static String stat(SampledResult.Stat st) {
        return fmt("<td>%.2f ± %.2f<br><span class=\"ci\">[%.2f, %.2f]</span></td>", st.mean(), st.std(), st.ciLow(), st.ciHigh());
    }

    private void comparison(StringBuilder b, List<PairedComparison> paired) {
        String other = esc(in.externalName());
        b.append("<h3>Paired comparison: clip − ").append(other).append(" on identical samples</h3>\n<table id=\"comparison\">\n")
                .append("<tr><th>images</th><th class=\"t\">direction</th><th class=\"t\">metric</th><th>difference mean ± std</th><th>95 % CI</th>")
                .append("<th>clip wins</th><th>").append(other).append(" wins</th><th>ties</th></tr>\n");
        for (PairedComparison p : paired) {
            diffRows(b, p.images(), "image → text", p.imageToText());
            diffRows(b, p.images(), "text → image", p.textToImage());
            diffRows(b, p.images(), "both", Map.of("rsum", p.rsum()));
        }
        b.append("</table>\n");
    }

    private static void diffRows(StringBuilder b, int images, String dir, Map<String, PairedComparison.Diff> diffs) {
        diffs.forEach((metric, d) -> b.append("<tr><td>").append(images).append("</td><td class=\"t\">").append(dir).append("</td><td class=\"t\">")
                .append(esc(metric)).append("</td><td>").append(fmt("%+.2f ± %.2f", d.difference().mean(), d.difference().std())).append("</td><td>")
                .append(fmt("[%.2f, %.2f]", d.difference().ciLow(), d.difference().ciHigh())).append("</td><td>").append(d.aWins()).append("</td><td>")
                .append(d.bWins()).append("</td><td>").append(d.ties()).append("</td></tr>\n"));
    }

    private static String fact(Object v) {
        if (v instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder();
            m.forEach((k, x) -> sb.append(sb.length() == 0 ? "" : ", ").append(esc(String.valueOf(k))).append(": ").append(fact(x)));
            return sb.toString();
        }
        if (v instanceof List<?> l) {
            if (l.isEmpty()) return "none";
            StringBuilder sb = new StringBuilder("<ul>");
            for (Object x : l) sb.append("<li>").append(fact(x)).append("</li>");
            return sb.append("</ul>").toString();
        }
        if (v instanceof Double || v instanceof Float) return fmt("%.3f", ((Number) v).doubleValue());
        return esc(String.valueOf(v));
    }

    private void imageQueries(StringBuilder b, String id, String heading, List<Retrieval.Query> queries) {
        b.append("<h3>").append(esc(heading)).append("</h3>\n<div class=\"grid\" id=\"").append(id).append("\">\n");
        for (Retrieval.Query q : queries) {
            b.append("<div class=\"query\">").append(img(q.query())).append("<div class=\"text\"><div class=\"cap\">")
                    .append(esc(in.imageNames().get(q.query()))).append("</div><div>best caption at ").append(rank(q.rank()))
                    .append(fmt(" <span class=\"score\">(cosine %.3f)</span></div>\n<ol>", q.bestScore()));
            boolean found = false;
            for (int j = 0; j < q.top().length; j++) {
                int c = q.top()[j];
                boolean pos = in.captionImage()[c] == q.query();
                found |= c == q.bestPositive();
                b.append(pos ? "<li class=\"pos\">" : "<li>").append(fmt("<span class=\"score\">%.3f</span> ", q.scores()[j])).append(esc(in.captions().get(c)))
                        .append(pos ? " ✓" : "").append("</li>");
            }
            b.append("</ol>");
            if (!found) b.append("<div>its best caption: ").append(esc(in.captions().get(q.bestPositive()))).append("</div>");
            b.append("</div></div>\n");
        }
        b.append("</div>\n");
    }

    private void textQueries(StringBuilder b, String id, String heading, List<Retrieval.Query> queries) {
        b.append("<h3>").append(esc(heading)).append("</h3>\n<div id=\"").append(id).append("\">\n");
        for (Retrieval.Query q : queries) {
            b.append("<div class=\"query\"><div class=\"text\"><div class=\"cap\">").append(esc(in.captions().get(q.query()))).append("</div><div>its image ")
                    .append(esc(in.imageNames().get(q.bestPositive()))).append(" at ").append(rank(q.rank()))
                    .append(fmt(" <span class=\"score\">(cosine %.3f)</span></div>\n<div class=\"row\">", q.bestScore()));
            boolean found = false;
            for (int j = 0; j < q.top().length; j++) {
                boolean pos = q.top()[j] == q.bestPositive();
                found |= pos;
                b.append(figure(q.top()[j], fmt("%d. %.3f", j + 1, q.scores()[j]), pos));
            }
            if (!found) b.append(figure(q.bestPositive(), fmt("its image: %d. %.3f", q.rank() + 1, q.bestScore()), true));
            b.append("</div></div></div>\n");
        }
        b.append("</div>\n");
    }

    private static String rank(long rank) {
        return fmt("<span class=\"rank%s\">rank %d</span>", rank < TOP ? " hit" : "", rank + 1);
    }

    private String figure(int image, String label, boolean positive) {
        String name = in.imageNames().get(image);
        return (positive ? "<figure class=\"pos\" title=\"" : "<figure title=\"") + esc(name) + "\">" + img(image) + "<figcaption>" + esc(label) + "<br>"
                + esc(name.substring(name.lastIndexOf('/') + 1)) + "</figcaption></figure>";
    }

    private String img(int image) {
        Thumbnail t = thumbs[image];
        if (t == null) return "<span class=\"noimg\">no preview</span>";
        return fmt("<img src=\"thumbs/%d.jpg\" width=\"%d\" height=\"%d\" alt=\"%s\">", image, t.width(), t.height(), esc(in.imageNames().get(image)));
    }

    /** The probability tables' sample: draw 0 of the protocol's smallest size, at most {@link #TABLE_SAMPLE} images. */
    private int[] tableSample() {
        int n = in.images().rows(), size = Math.min(TABLE_SAMPLE, n);
        for (int s : in.sampleSizes()) size = Math.min(size, s);
        return SampledProtocol.drawImages(n, Math.max(1, size), 0, in.seed());
    }

    private void probabilitySection(StringBuilder b, int[] sample, List<ProbabilityTable> tables) {
        b.append("<section id=\"probabilities\">\n<h2>Probability tables</h2>\n<p class=\"note\">")
                .append(fmt("Sample 1 of the %d-image protocol (seed %d): for each of its images, every caption of the sample with its probability, ",
                        sample.length, in.seed()))
                .append(fmt("the softmax over the sample's captions of %.2f × cosine (as <code>clipmatch match</code> computes it). ", in.logitScale()))
                .append("The image's own captions in green.</p>\n");
        for (int i = 0; i < sample.length; i++) {
            b.append("<div class=\"query\">").append(img(sample[i])).append("<div class=\"text\">");
            table(b, tables.get(i));
            b.append("</div></div>\n");
        }
        b.append("</section>\n");
    }

    private static void table(StringBuilder b, ProbabilityTable t) {
        b.append("<div class=\"cap\">").append(esc(t.image())).append("</div>\n<table class=\"probabilities\">\n")
                .append("<tr><th>#</th><th>probability</th><th class=\"t\">caption</th></tr>\n");
        int rank = 1;
        for (ProbabilityTable.Row r : t.rows())
            b.append(r.positive() ? "<tr class=\"pos\">" : "<tr>").append("<td>").append(rank++).append("</td><td>").append(fmt("%.2f %%", 100 * r.probability()))
                    .append("</td><td class=\"t\">").append(esc(r.text())).append("</td></tr>\n");
        b.append("</table>\n");
    }

    /** The thumbnails the page shows, one parallel pass; previews of an earlier run that this page does not show are removed. */
    private void writeThumbnails(Path dir) {
        List<Integer> ids = List.copyOf(shown);
        Thumbnail[] made = Thumbnails.of(ids.stream().map(in.imageFiles()::get).toList(), THUMB_SIDE);
        thumbs = new Thumbnail[in.images().rows()];
        for (int i = 0; i < ids.size(); i++) {
            thumbs[ids.get(i)] = made[i];
            if (made[i] != null) {
                byte[] jpeg = made[i].jpeg();
                AtomicFiles.write(dir.resolve(ids.get(i) + ".jpg"), out -> out.write(jpeg));
            }
        }
        if (!Files.isDirectory(dir)) return;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.matches("\\d{1,9}\\.jpg") && !isCurrent(name)) Files.delete(f);
            }
        } catch (IOException e) {
            throw new ClipMatchException(dir + ": cannot tidy the thumbnails (" + e.getMessage() + ")", e);
        }
    }

    private boolean isCurrent(String jpgName) {
        int id = Integer.parseInt(jpgName.substring(0, jpgName.length() - 4));
        return id < thumbs.length && thumbs[id] != null;
    }

    /** {@code match --html}: one image (inline, the file stands alone) and its probability table. */
    public static void writeMatch(Path file, String model, Path image, ProbabilityTable table) {
        Thumbnail t = Thumbnails.of(image, 2 * THUMB_SIDE);
        StringBuilder b = new StringBuilder();
        b.append("<h1>").append(esc(image.getFileName().toString())).append("</h1>\n<p class=\"note\">Model ").append(esc(model))
                .append(": each caption's probability, the softmax over the captions of exp(logit_scale) × cosine.</p>\n<div class=\"query\">");
        if (t != null)
            b.append(fmt("<img src=\"data:image/jpeg;base64,%s\" width=\"%d\" height=\"%d\" alt=\"%s\">", Base64.getEncoder().encodeToString(t.jpeg()),
                    t.width(), t.height(), esc(image.getFileName().toString())));
        b.append("<div class=\"text\">");
        table(b, table);
        b.append("</div></div>\n");
        AtomicFiles.writeString(file, Html.page("clipmatch match: " + image.getFileName(), b.toString()));
    }
}
