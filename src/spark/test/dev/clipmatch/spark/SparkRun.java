package dev.clipmatch.spark;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.spark.sql.SparkSession;

/** Runs {@code clipmatch spark ...} in-process (local master) and captures its exit code, stdout and stderr. */
record SparkRun(int code, String out, String err) {
    /** Two task threads, and a failed task is retried once (local[N, maxFailures]). */
    static final String MASTER = "local[2,2]";

    /** The in-process session the commands share (created as the commands create it). */
    static SparkSession session() {
        SparkMain.SparkOptions o = new SparkMain.SparkOptions();
        o.master = MASTER;
        return o.session("tests");
    }

    static SparkRun of(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            String[] all = new String[args.length + 2];
            System.arraycopy(args, 0, all, 0, args.length);
            all[args.length] = "--master";
            all[args.length + 1] = MASTER;
            int code = SparkMain.run(all);
            return new SparkRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
