package dev.clipmatch.report;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes the README's picture of a report (docs/img/report.png) with the same headless Chromium as the browser test:
 * {@code java -cp target/test-classes:target/classes:$(cat target/classpath.txt) dev.clipmatch.report.ReportScreenshot
 * runs/demo/report.html docs/img/report.png [SECTION_ID]} after {@code tools/study.sh} and {@code mvn test-compile}; the
 * checked-in picture was then reduced with {@code pngquant --quality=60-80} (pngquant 2.17, Debian).
 */
public final class ReportScreenshot {
    private ReportScreenshot() {}

    public static void main(String[] args) throws Exception {
        Path page = Path.of(args[0]).toAbsolutePath(), out = Path.of(args[1]);
        String section = args.length > 2 ? args[2] : "examples-t2i";
        Path profile = Files.createTempDirectory("clipmatch-chromium");
        try (Chromium browser = new Chromium(Chromium.find().orElseThrow(() -> new IllegalStateException("no Chromium found")), profile)) {
            Chromium.Visit visit = browser.open(page.toUri().toString());
            browser.evaluate(visit, "document.getElementById('" + section + "').previousElementSibling.scrollIntoView(), 0");
            browser.screenshot(visit, out, 1000, 620);
        }
    }
}
