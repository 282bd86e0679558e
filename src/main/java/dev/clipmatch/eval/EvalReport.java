package dev.clipmatch.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renderings of an {@link Evaluation}: a table for people, the JSON contract, and CSV (one row per metric). */
public final class EvalReport {
    private EvalReport() {}

    public static Map<String, Object> json(Evaluation e) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("images", e.images());
        root.put("captions", e.captions());
        root.put("image_to_text", new LinkedHashMap<>(e.imageToText().named()));
        root.put("text_to_image", new LinkedHashMap<>(e.textToImage().named()));
        root.put("rsum", e.rsum());
        List<Object> sampled = new ArrayList<>();
        for (SampledResult s : e.sampled()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("images", s.images());
            m.put("iterations", s.iterations());
            m.put("seed", s.seed());
            m.put("image_to_text", statsJson(s.imageToText()));
            m.put("text_to_image", statsJson(s.textToImage()));
            m.put("rsum", statJson(s.rsum()));
            sampled.add(m);
        }
        root.put("sampled", sampled);
        return root;
    }

    private static Map<String, Object> statsJson(Map<String, SampledResult.Stat> stats) {
        Map<String, Object> out = new LinkedHashMap<>();
        stats.forEach((k, v) -> out.put(k, statJson(v)));
        return out;
    }

    private static Map<String, Object> statJson(SampledResult.Stat s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mean", s.mean());
        m.put("std", s.std());
        m.put("ci95", List.of(s.ciLow(), s.ciHigh()));
        return m;
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

    private static String num(double v) {
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
            sb.append(String.format(Locale.ROOT, "  %-12s %-14s %8.2f ± %6.2f [%.2f, %.2f]%n", "both", "rsum", s.rsum().mean(), s.rsum().std(), s.rsum().ciLow(), s.rsum().ciHigh()));
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, String label, Map<String, Double> values) {
        sb.append(String.format(Locale.ROOT, "%-15s", label));
        for (double v : values.values()) sb.append(String.format(Locale.ROOT, "%12.2f", v));
        sb.append('\n');
    }

    private static void sampledRows(StringBuilder sb, String label, Map<String, SampledResult.Stat> stats) {
        stats.forEach((metric, st) -> sb.append(String.format(Locale.ROOT, "  %-12s %-14s %8.2f ± %6.2f [%.2f, %.2f]%n", label, metric, st.mean(), st.std(), st.ciLow(), st.ciHigh())));
    }
}
