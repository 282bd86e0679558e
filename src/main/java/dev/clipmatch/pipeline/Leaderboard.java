package dev.clipmatch.pipeline;

import dev.clipmatch.eval.Evaluation;
import dev.clipmatch.eval.RankMetrics;
import dev.clipmatch.io.AtomicFiles;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.report.LeaderboardHtml;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The merged table of a multi-model, multi-dataset sweep (as clip_benchmark's merged results): one row per
 * (model, dataset) pair with full-set R@K in both directions and rsum, exactly the numbers of that pair's
 * report.json; pairs that failed are listed with their error. Written as leaderboard.json/.csv/.md/.html in the
 * root folder, atomically, after every pair, so nothing computed is lost when a later pair fails or the run stops.
 */
public final class Leaderboard {
    public static final String JSON = "leaderboard.json", CSV = "leaderboard.csv", MARKDOWN = "leaderboard.md", HTML = "leaderboard.html";

    /**
     * One finished pair.
     *
     * @param run the pair's RUN_DIR relative to the leaderboard's folder
     */
    public record Row(String model, String dataset, String checkpointSha256, String run, int images, int captions, Map<String, Double> imageToText,
            Map<String, Double> textToImage, double rsum) {}

    /** A pair that produced no result, and the one-line reason. */
    public record Failure(String model, String dataset, String error) {}

    /** leaderboard.json. */
    public record Table(List<Integer> k, List<Row> rows, List<Failure> failed) {}

    private final Path root;
    private final int[] ks;
    private final List<Row> rows = new ArrayList<>();
    private final List<Failure> failed = new ArrayList<>();
    private final List<String> datasetOrder = new ArrayList<>();

    public Leaderboard(Path root, int[] ks, List<String> datasetOrder) {
        this.root = root;
        this.ks = ks.clone();
        this.datasetOrder.addAll(datasetOrder);
    }

    public void add(String model, String dataset, String checkpointSha256, Path runDir, Evaluation e) {
        rows.add(new Row(model, dataset, checkpointSha256, root.toAbsolutePath().relativize(runDir.toAbsolutePath()).toString(), e.images(), e.captions(),
                recalls(e.imageToText()), recalls(e.textToImage()), e.rsum()));
    }

    public void fail(String model, String dataset, String error) {
        failed.add(new Failure(model, dataset, error));
    }

    public List<Failure> failures() {
        return List.copyOf(failed);
    }

    private Map<String, Double> recalls(RankMetrics m) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int k : ks) out.put("R@" + k, m.recall().get(k));
        return out;
    }

    /** Rows by dataset (in the order given), best rsum first (then by model name: deterministic). */
    public Table table() {
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparingInt((Row r) -> datasetOrder.indexOf(r.dataset())).thenComparing(Row::rsum, Comparator.reverseOrder())
                .thenComparing(Row::model));
        return new Table(java.util.Arrays.stream(ks).boxed().toList(), sorted, List.copyOf(failed));
    }

    /** Writes the four files (each atomically). */
    public void write() {
        Table t = table();
        AtomicFiles.writeString(root.resolve(JSON), JsonFiles.pretty(t));
        AtomicFiles.writeString(root.resolve(CSV), csv(t));
        AtomicFiles.writeString(root.resolve(MARKDOWN), markdown(t));
        LeaderboardHtml.write(root.resolve(HTML), t.k(), t.rows().stream().map(r -> new LeaderboardHtml.Row(r.model(), r.dataset(), r.run() + "/report.html",
                r.images(), r.captions(), List.copyOf(r.imageToText().values()), List.copyOf(r.textToImage().values()), r.rsum())).toList(),
                t.failed().stream().map(f -> f.model() + " on " + f.dataset() + ": " + f.error()).toList());
    }

    /** leaderboard.md's text. */
    public String markdown() {
        return markdown(table());
    }

    private String csv(Table t) {
        StringBuilder sb = new StringBuilder("model,dataset,images,captions");
        for (int k : ks) sb.append(",image_to_text_R@").append(k);
        for (int k : ks) sb.append(",text_to_image_R@").append(k);
        sb.append(",rsum,checkpoint_sha256,run\n");
        for (Row r : t.rows()) {
            sb.append(csvField(r.model())).append(',').append(csvField(r.dataset())).append(',').append(r.images()).append(',').append(r.captions());
            for (double v : r.imageToText().values()) sb.append(',').append(v);
            for (double v : r.textToImage().values()) sb.append(',').append(v);
            sb.append(',').append(r.rsum()).append(',').append(r.checkpointSha256()).append(',').append(csvField(r.run())).append('\n');
        }
        return sb.toString();
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    private String markdown(Table t) {
        StringBuilder sb = new StringBuilder("# Leaderboard\n\nFull-set recall (%) in both directions; rsum = the sum of all recalls. Ranks use clipmatch's"
                + " deterministic tie rule (an equal score counts only for a lower candidate index).\n\n| model | dataset | images | captions |");
        for (int k : ks) sb.append(" image→text R@").append(k).append(" |");
        for (int k : ks) sb.append(" text→image R@").append(k).append(" |");
        sb.append(" rsum | report |\n|---|---|---:|---:|");
        sb.append("---:|".repeat(2 * ks.length + 1)).append("---|\n");
        for (Row r : t.rows()) {
            sb.append("| ").append(md(r.model())).append(" | ").append(md(r.dataset())).append(" | ").append(r.images()).append(" | ").append(r.captions()).append(" |");
            for (double v : r.imageToText().values()) sb.append(String.format(Locale.ROOT, " %.2f |", v));
            for (double v : r.textToImage().values()) sb.append(String.format(Locale.ROOT, " %.2f |", v));
            sb.append(String.format(Locale.ROOT, " %.2f | [report](%s/report.html) |%n", r.rsum(), r.run()));
        }
        if (!t.failed().isEmpty()) {
            sb.append("\nFailed pairs:\n\n");
            for (Failure f : t.failed()) sb.append("- ").append(md(f.model())).append(" on ").append(md(f.dataset())).append(": ").append(md(f.error())).append('\n');
        }
        return sb.toString();
    }

    private static String md(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}
