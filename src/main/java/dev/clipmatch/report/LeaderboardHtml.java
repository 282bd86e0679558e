package dev.clipmatch.report;

import dev.clipmatch.io.AtomicFiles;
import java.nio.file.Path;
import java.util.List;

/** leaderboard.html: the merged table of a multi-pair sweep, each row linking to its pair's report.html (self-contained, no script). */
public final class LeaderboardHtml {
    /** One row: the numbers as in leaderboard.json, the link relative to the page. */
    public record Row(String model, String dataset, String report, int images, int captions, List<Double> imageToText, List<Double> textToImage,
            double rsum) {}

    private LeaderboardHtml() {}

    public static void write(Path file, List<Integer> ks, List<Row> rows, List<String> failures) {
        StringBuilder b = new StringBuilder("<h1>Leaderboard</h1>\n<p>Full-set recall (%) in both directions; rsum = the sum of all recalls. Ranks use"
                + " clipmatch's deterministic tie rule (an equal score counts only for a lower candidate index).</p>\n<table>\n<tr><th>model</th><th>dataset</th>"
                + "<th>images</th><th>captions</th>");
        for (int k : ks) b.append("<th>image→text R@").append(k).append("</th>");
        for (int k : ks) b.append("<th>text→image R@").append(k).append("</th>");
        b.append("<th>rsum</th></tr>\n");
        for (Row r : rows) {
            b.append("<tr><td><a href=\"").append(Html.esc(r.report())).append("\">").append(Html.esc(r.model())).append("</a></td><td>")
                    .append(Html.esc(r.dataset())).append("</td><td>").append(r.images()).append("</td><td>").append(r.captions()).append("</td>");
            for (double v : r.imageToText()) b.append(Html.fmt("<td>%.2f</td>", v));
            for (double v : r.textToImage()) b.append(Html.fmt("<td>%.2f</td>", v));
            b.append(Html.fmt("<td>%.2f</td></tr>%n", r.rsum()));
        }
        b.append("</table>\n");
        if (!failures.isEmpty()) {
            b.append("<h2>Failed pairs</h2>\n<ul>\n");
            for (String f : failures) b.append("<li>").append(Html.esc(f)).append("</li>\n");
            b.append("</ul>\n");
        }
        AtomicFiles.writeString(file, Html.page("clipmatch leaderboard", b.toString()));
    }
}
