package dev.clipmatch.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renderings of an {@link Evaluation}: a table for people, the JSON contract, and CSV (one row per metric). */
public final class EvalReport {
    private EvalReport() {}

    public static EvalJson json(Evaluation e) {
        List<EvalJson.Sampled> sampled = new ArrayList<>();
        for (SampledResult s : e.sampled())
            sampled.add(new EvalJson.Sampled(s.images(), s.iterations(), s.seed(), stats(s.imageToText()), stats(s.textToImage()), stat(s.rsum())));
        return new EvalJson(e.images(), e.captions(), new LinkedHashMap<>(e.imageToText().named()), new LinkedHashMap<>(e.textToImage().named()),
                e.rsum(), sampled, null, null, null);
    }

    private static Map<String, EvalJson.Stat> stats(Map<String, SampledResult.Stat> stats) {
        Map<String, EvalJson.Stat> out = new LinkedHashMap<>();
        stats.forEach((k, v) -> out.put(k, stat(v)));
        return out;
    }

    /** With one iteration the spread is undefined: std is written as null (NaN), and so is the interval. */
    private static EvalJson.Stat stat(SampledResult.Stat s) {
        return new EvalJson.Stat(s.mean(), s.std(), s.spreadDefined() ? new double[] {s.ciLow(), s.ciHigh()} : null);
    }

    /** The comparison block of the JSON report: per sample size, per metric, the paired difference (A - B). */
    public static List<EvalJson.Paired> comparisonJson(List<PairedComparison> comparisons) {
        List<EvalJson.Paired> out = new ArrayList<>();
        for (PairedComparison c : comparisons)
            out.add(new EvalJson.Paired(c.images(), c.iterations(), c.seed(), diffs(c.imageToText()), diffs(c.textToImage()), diff(c.rsum())));
        return out;
    }

    private static Map<String, EvalJson.Diff> diffs(Map<String, PairedComparison.Diff> diffs) {
        Map<String, EvalJson.Diff> out = new LinkedHashMap<>();
        diffs.forEach((k, v) -> out.put(k, diff(v)));
        return out;
    }

    private static EvalJson.Diff diff(PairedComparison.Diff d) {
        SampledResult.Stat s = d.difference();
        return new EvalJson.Diff(s.mean(), s.std(), s.spreadDefined() ? new double[] {s.ciLow(), s.ciHigh()} : null, d.aWins(), d.bWins(), d.ties());
    }

    /** report.md: the full-set table, the sampled protocol table, and any comparison. */
    public static String markdown(String title, Evaluation e, Evaluation other, String otherName, List<PairedComparison> comparisons) {
        StringBuilder sb = new StringBuilder("# " + title + "\n\n");
        sb.append(String.format(Locale.ROOT, "%d images, %d captions. Recall in %%; ranks are 1-based.%n%n", e.images(), e.captions()));
        sb.append("## Full set\n\n| model | direction | ");
        List<String> names = new ArrayList<>(e.imageToText().named().keySet());
        sb.append(String.join(" | ", names)).append(" |\n|---|---|").append("---|".repeat(names.size())).append('\n');
        fullRows(sb, "clip", e);
        if (other != null) fullRows(sb, otherName, other);
        sb.append(String.format(Locale.ROOT, "%nrsum: clip %.2f", e.rsum()));
        if (other != null) sb.append(String.format(Locale.ROOT, ", %s %.2f", otherName, other.rsum()));
        sb.append("\n\n");
        if (!e.sampled().isEmpty()) {
            sb.append("## Sampled protocol\n\nEach sample: N images drawn without replacement with all their captions; mean ± std over the samples, [95% CI of the mean].\n\n");
            sb.append("| model | images | iterations | direction | metric | mean ± std | 95% CI |\n|---|---|---|---|---|---|---|\n");
            sampledRows(sb, "clip", e);
            if (other != null) sampledRows(sb, otherName, other);
            sb.append('\n');
        }
        if (!comparisons.isEmpty()) sb.append(comparisonMarkdown(comparisons, otherName));
        return sb.toString();
    }

    /** The paired comparison as a markdown table (clip − other, per sample size and metric). */
    public static String comparisonMarkdown(List<PairedComparison> comparisons, String otherName) {
        StringBuilder sb = new StringBuilder("## Paired comparison: clip − " + otherName + " on identical samples\n\n");
        sb.append("| images | direction | metric | difference mean ± std | 95% CI | clip wins | ").append(otherName).append(" wins | ties |\n|---|---|---|---|---|---|---|---|\n");
        for (PairedComparison c : comparisons) {
            diffRows(sb, c.images(), "image→text", c.imageToText());
            diffRows(sb, c.images(), "text→image", c.textToImage());
            diffRows(sb, c.images(), "both", Map.of("rsum", c.rsum()));
        }
        return sb.toString();
    }

    private static void fullRows(StringBuilder sb, String model, Evaluation e) {
        for (var dir : List.of(Map.entry("image→text", e.imageToText()), Map.entry("text→image", e.textToImage()))) {
            sb.append("| ").append(model).append(" | ").append(dir.getKey()).append(" | ");
            for (double v : dir.getValue().named().values()) sb.append(String.format(Locale.ROOT, "%.2f | ", v));
            sb.append('\n');
        }
    }

    private static void sampledRows(StringBuilder sb, String model, Evaluation e) {
        for (SampledResult s : e.sampled()) {
            for (var dir : List.of(Map.entry("image→text", s.imageToText()), Map.entry("text→image", s.textToImage()))) {
                dir.getValue().forEach((metric, st) -> sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s | %s |%n",
                        model, s.images(), s.iterations(), dir.getKey(), metric, spread(st, " | "))));
            }
        }
    }

    private static void diffRows(StringBuilder sb, int images, String dir, Map<String, PairedComparison.Diff> diffs) {
        diffs.forEach((metric, d) -> sb.append(String.format(Locale.ROOT, "| %d | %s | %s | %s%s | %d | %d | %d |%n",
                images, dir, metric, d.difference().mean() >= 0 ? "+" : "", spread(d.difference(), " | "), d.aWins(), d.bWins(), d.ties())));
    }

    public static String csv(Evaluation e) {
        StringBuilder sb = new StringBuilder("protocol,images,captions,iterations,seed,direction,metric,value,std,ci95_low,ci95_high\n");
        for (var dir : List.of(Map.entry("image_to_text", e.imageToText()), Map.entry("text_to_image", e.textToImage()))) {
            dir.getValue().named().forEach((metric, v) -> sb.append(String.format(Locale.ROOT, "full,%d,%d,,,%s,%s,%s,,,%n", e.images(), e.captions(), dir.getKey(), metric, num(v))));
        }
        sb.append(String.format(Locale.ROOT, "full,%d,%d,,,both,rsum,%s,,,%n", e.images(), e.captions(), num(e.rsum())));
        for (SampledResult s : e.sampled()) {
            for (var dir : List.of(Map.entry("image_to_text", s.imageToText()), Map.entry("text_to_image", s.textToImage()))) {
                dir.getValue().forEach((metric, st) -> sb.append(sampledRow(s, dir.getKey(), metric, st)));
            }
            sb.append(sampledRow(s, "both", "rsum", s.rsum()));
        }
        return sb.toString();
    }

    private static String sampledRow(SampledResult s, String dir, String metric, SampledResult.Stat st) {
        return String.format(Locale.ROOT, "sampled,%d,,%d,%d,%s,%s,%s,%s,%s,%s%n", s.images(), s.iterations(), s.seed(), dir, metric,
                num(st.mean()), num(st.std()), num(st.ciLow()), num(st.ciHigh()));
    }

    /** "mean ± std SEP [lo, hi]", or the mean and "undefined (1 iteration)" where no spread can be estimated. */
    private static String spread(SampledResult.Stat st, String separator) {
        if (!st.spreadDefined()) return String.format(Locale.ROOT, "%.2f ± undefined%sundefined (1 iteration)", st.mean(), separator);
        return String.format(Locale.ROOT, "%.2f ± %.2f%s[%.2f, %.2f]", st.mean(), st.std(), separator, st.ciLow(), st.ciHigh());
    }

    private static String num(double v) {
        if (Double.isNaN(v)) return "";
        return String.format(Locale.ROOT, "%.6f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    public static String table(Evaluation e) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "Full set: %d images, %d captions%n", e.images(), e.captions()));
        List<String> names = new ArrayList<>(e.imageToText().named().keySet());
        sb.append(String.format(Locale.ROOT, "%-15s", "direction"));
        for (String n : names) sb.append(String.format(Locale.ROOT, "%12s", n));
        sb.append('\n');
        row(sb, "image->text", e.imageToText().named());
        row(sb, "text->image", e.textToImage().named());
        sb.append(String.format(Locale.ROOT, "rsum %.2f%n", e.rsum()));
        for (SampledResult s : e.sampled()) {
            sb.append(String.format(Locale.ROOT, "%nSampled: %d images x %d iterations (seed %d), mean ± std [95%% CI of the mean]%n", s.images(), s.iterations(), s.seed()));
            sampledRows(sb, "image->text", s.imageToText());
            sampledRows(sb, "text->image", s.textToImage());
            sb.append(String.format(Locale.ROOT, "  %-12s %-14s %s%n", "both", "rsum", spread(s.rsum(), " ")));
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, String label, Map<String, Double> values) {
        sb.append(String.format(Locale.ROOT, "%-15s", label));
        for (double v : values.values()) sb.append(String.format(Locale.ROOT, "%12.2f", v));
        sb.append('\n');
    }

    private static void sampledRows(StringBuilder sb, String label, Map<String, SampledResult.Stat> stats) {
        stats.forEach((metric, st) -> sb.append(String.format(Locale.ROOT, "  %-12s %-14s %s%n", label, metric, spread(st, " "))));
    }
}
