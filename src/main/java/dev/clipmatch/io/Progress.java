package dev.clipmatch.io;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Progress of a long job on stderr: done/total, items per second and ETA, at most once a second and only
 * once the job has run for a while, so short jobs stay quiet. Thread-safe.
 */
public final class Progress implements AutoCloseable {
    private static final long QUIET_NANOS = 2_000_000_000L;
    private static final long EVERY_NANOS = 1_000_000_000L;

    private final String label;
    private final String unit;
    private final long total;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private final AtomicLong done = new AtomicLong();
    private volatile long lastPrint = start;
    private volatile boolean printed;

    public Progress(String label, String unit, long total, PrintStream out) {
        this.label = label;
        this.unit = unit;
        this.total = total;
        this.out = out;
    }

    public void add(long n) {
        long d = done.addAndGet(n);
        long now = System.nanoTime();
        if (now - start < QUIET_NANOS || now - lastPrint < EVERY_NANOS) return;
        synchronized (this) {
            if (now - lastPrint < EVERY_NANOS) return;
            lastPrint = now;
            print(d, now, false);
        }
    }

    private void print(long d, long now, boolean last) {
        double secs = (now - start) / 1e9;
        double rate = d / Math.max(secs, 1e-9);
        String eta = total > 0 && rate > 0 && !last ? String.format(", ETA %s", duration((total - d) / rate)) : "";
        out.printf("\r%s: %d/%d %s, %.1f %s/s%s%s", label, d, total, unit, rate, unit, eta, last ? String.format(" in %s%n", duration(secs)) : "   ");
        out.flush();
        printed = true;
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) return String.format("%.1fs", seconds);
        if (s < 3600) return String.format("%dm%02ds", s / 60, s % 60);
        return String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    @Override
    public synchronized void close() {
        if (printed) print(done.get(), System.nanoTime(), true);
    }
}
