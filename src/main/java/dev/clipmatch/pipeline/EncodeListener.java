package dev.clipmatch.pipeline;

import dev.clipmatch.io.Progress;
import java.io.PrintStream;

/** What an {@link Encoder} reports while it works: how much there is to do, how much is done, what it skipped. */
public interface EncodeListener {
    /** Reports nothing (the Java API's default). */
    EncodeListener SILENT = new EncodeListener() {};

    /** Encoding of {@code total} items starts. */
    default void started(long total) {}

    /** {@code items} more items are done (encoded or skipped). */
    default void progressed(long items) {}

    /** An input was left out under {@link OnError#SKIP}: "path: problem". */
    default void skipped(String problem) {}

    /**
     * Progress lines (done/total, rate, ETA) on {@code err}, e.g. "encoding images: 64 / 1,000 images (6%), ...", and
     * a line per skipped input ("LABEL: skipped PATH: PROBLEM").
     */
    static EncodeListener progress(PrintStream err, String label, String unit) {
        return new EncodeListener() {
            private Progress progress;

            @Override
            public void started(long total) {
                progress = new Progress(err, label, unit, total, 2.0);
            }

            @Override
            public void progressed(long items) {
                progress.add(items);
            }

            @Override
            public void skipped(String problem) {
                err.println(label + ": skipped " + problem);
            }
        };
    }
}
