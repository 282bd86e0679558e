package dev.clipmatch.model;

import java.io.PrintStream;

/** Progress lines on stderr for long jobs: done/total, rate and ETA, at most one line per interval. */
public final class Progress {
    private final PrintStream err;
    private final String label;
    private final String unit;
    private final long total;
    private final long startNanos = System.nanoTime();
    private final long intervalNanos;
    private long lastPrint;
    private long startCount;

    public Progress(PrintStream err, String label, String unit, long total, double intervalSeconds) {
        this.err = err;
        this.label = label;
        this.unit = unit;
        this.total = total;
        this.intervalNanos = (long) (intervalSeconds * 1e9);
        this.lastPrint = startNanos;
    }

    /** Items already done before this run (resumed work): excluded from the rate. */
    public void resumedFrom(long done) {
        startCount = done;
    }

    public void update(long done) {
        long now = System.nanoTime();
        if (now - lastPrint < intervalNanos && done < total) return;
        lastPrint = now;
        err.println(line(done, now));
    }

    public String line(long done, long now) {
        double secs = Math.max(1e-9, (now - startNanos) / 1e9);
        double rate = (done - startCount) / secs;
        StringBuilder sb = new StringBuilder(label).append(": ").append(fmt(done));
        if (total > 0) sb.append(" / ").append(fmt(total)).append(String.format(" %s (%.0f%%)", unitName(), 100.0 * done / total));
        else sb.append(' ').append(unitName());
        if (unit.equals("bytes")) sb.append(String.format(", %.1f MB/s", rate / 1e6));
        else sb.append(String.format(rate >= 100 ? ", %.0f %s/s" : ", %.1f %s/s", rate, unit));
        if (total > 0 && rate > 0 && done < total) sb.append(", ETA ").append(duration((total - done) / rate));
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
        if (s < 60) return s + "s";
        if (s < 3600) return (s / 60) + "m" + String.format("%02d", s % 60) + "s";
        return (s / 3600) + "h" + String.format("%02d", (s % 3600) / 60) + "m";
    }
}
