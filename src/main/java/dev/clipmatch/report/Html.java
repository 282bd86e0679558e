package dev.clipmatch.report;

import java.util.Locale;

/** HTML text helpers: every caption, file name and fact goes through {@link #esc} before it reaches a page. */
final class Html {
    private Html() {}

    /** Text and attribute-value escaping: a caption {@code <script>} renders as those characters. */
    static String esc(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    /**
     * The page around {@code body}: inline CSS, and a policy that lets the page load nothing but its own files
     * and inline images (no script at all), so a report opened from disk never reaches the network.
     */
    static String page(String title, String body) {
        return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                + "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'\">\n"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" + esc(title) + "</title>\n<style>\n" + CSS
                + "</style>\n</head>\n<body>\n" + body + "</body>\n</html>\n";
    }

    private static final String CSS = """
            body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;margin:0 auto;max-width:1180px;padding:0 18px 40px}
            h1{font-size:22px;margin:18px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
            h3{font-size:15px;margin:18px 0 6px}nav a{margin-right:14px}p.note{color:#555;margin:4px 0 10px}
            table{border-collapse:collapse;margin:6px 0 14px}th,td{border:1px solid #d6d6d6;padding:3px 8px;text-align:right;vertical-align:top}
            th{background:#f3f3f3}td.t,th.t{text-align:left}tr.pos td{background:#e7f5e7}
            dl.facts{display:grid;grid-template-columns:max-content auto;gap:2px 14px}dl.facts dt{font-weight:600}dl.facts dd{margin:0}
            dl.facts ul{margin:0;padding-left:18px}
            .query{border:1px solid #ddd;border-radius:6px;padding:8px 10px;margin:8px 0;display:flex;gap:14px;align-items:flex-start}
            .query .text{flex:1}.query ol{margin:4px 0;padding-left:22px}.query li.pos{background:#e7f5e7}
            .query .cap{font-weight:600}.rank{font-weight:600;color:#8a1c1c}.rank.hit{color:#1c6b1c}
            .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(540px,1fr));gap:0 10px}.grid .query{margin:5px 0}
            .row{display:flex;flex-wrap:wrap;gap:8px;margin-top:6px}
            figure{margin:0;font-size:12px;text-align:center;width:146px;overflow-wrap:anywhere}figure img{max-width:140px;height:auto;margin:0 auto}
            figure img,.query>img{display:block;border:3px solid #fff;border-radius:3px}figure.pos img{border-color:#2e9b2e}
            figure.pos figcaption{color:#1c6b1c;font-weight:600}.noimg{display:inline-block;padding:18px 6px;background:#eee;color:#555}
            .ci{color:#666;font-size:12px}.score{color:#666;font-variant-numeric:tabular-nums}img.chart{max-width:100%;height:auto}
            """;
}
