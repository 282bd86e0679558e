package dev.clipmatch.io;

import java.io.PrintStream;

/**
 * Progress lines on stderr for long jobs: done/total, rate and ETA, at most one line per interval, and a last
 * line when the job completes. Work resumed from an earlier run counts as done but not towards the rate.
 * Thread-safe: parallel workers may {@link #add} as they finish items.
 */
public final class Progress implements AutoCloseable {
    private final PrintStream err;
    private final String label;
    private final String unit;
    private final long total;
    private final long startNanos = System.nanoTime();
    private final long intervalNanos;
    private long lastPrint;
    private long startCount;
    private long done;

    public Progress(PrintStream err, String label, String unit, long total, double intervalSeconds) {
        this.err = err;
        this.label = label;
        this.unit = unit;
        this.total = total;
        this.intervalNanos = (long) (intervalSeconds * 1e9);
        this.lastPrint = startNanos;
    }

    /** Items already done before this run (resumed work): excluded from the rate. */
    public synchronized void resumedFrom(long already) {
        startCount = already;
        done = already;
    }

    /** {@code n} more items are done. */
    public synchronized void add(long n) {
        update(done + n);
    }

    /** {@code count} items are done in all. */
    public synchronized void update(long count) {
        done = count;
        long now = System.nanoTime();
        if (now - lastPrint < intervalNanos && count < total) return;
        lastPrint = now;
        err.println(line(count, now));
    }

    /** A job that ends early (an error) prints nothing more; a finished one has printed its last line already. */
    @Override
    public void close() {}

    public String line(long count, long now) {
        double secs = Math.max(1e-9, (now - startNanos) / 1e9);
        double rate = (count - startCount) / secs;
        StringBuilder sb = new StringBuilder(label).append(": ").append(fmt(count));
        if (total > 0) sb.append(" / ").append(fmt(total)).append(String.format(" %s (%.0f%%)", unitName(), 100.0 * count / total));
        else sb.append(' ').append(unitName());
        if (unit.equals("bytes")) sb.append(String.format(", %.1f MB/s", rate / 1e6));
        else sb.append(String.format(rate >= 100 ? ", %.0f %s/s" : ", %.1f %s/s", rate, unit));
        if (total > 0 && rate > 0 && count < total) sb.append(", ETA ").append(duration((total - count) / rate));
        else if (count >= total) sb.append(", in ").append(duration(secs));
        return sb.toString();
    }

    private String unitName() {
        return unit.equals("bytes") ? "MB" : unit;
    }

    private String fmt(long n) {
        return unit.equals("bytes") ? String.format("%.1f", n / 1e6) : String.format("%,d", n);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) return String.format("%.1fs", seconds);
        if (s < 3600) return (s / 60) + "m" + String.format("%02d", s % 60) + "s";
        return (s / 3600) + "h" + String.format("%02d", (s % 3600) / 60) + "m";
    }
}
