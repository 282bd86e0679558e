package dev.clipmatch.spark;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.pipeline.OnError;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code clipmatch spark embed|eval|sweep}: the jobs of the same names on Apache Spark. In-process with
 * {@code --master local[N]} ({@code ./clipmatch spark ...}), or on a cluster through
 * {@code spark-submit --class dev.clipmatch.spark.SparkMain <job jar> ...}, where spark-submit sets the master.
 */
@Command(name = "clipmatch spark", mixinStandardHelpOptions = true,
        description = "clipmatch on Apache Spark: distributed embedding and exact distributed recall.",
        subcommands = {CommandLine.HelpCommand.class, SparkEmbedCommand.class, SparkEvalCommand.class, SparkSweepCommand.class})
public final class SparkMain implements Runnable {
    static final int EXIT_BAD_INPUT = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command and returns its exit code: 2 with one line on stderr for bad input, however deep Spark wrapped it. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new SparkMain());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            String message = badInput(ex);
            if (message == null) throw ex;
            commandLine.getErr().println("clipmatch: " + message);
            return EXIT_BAD_INPUT;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("clipmatch: " + ex.getMessage());
            return EXIT_BAD_INPUT;
        });
        return cl.execute(args);
    }

    /**
     * The message of a {@link ClipMatchException} anywhere in the cause chain. A task's exception reaches the
     * driver as the cause of Spark's job failure when it could be deserialised; otherwise only its text survives,
     * inside Spark's message ("... stage failure: Task 0 ...: dev.clipmatch.ImageException: MESSAGE\n\tat ...").
     */
    static String badInput(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof ClipMatchException) return t.getMessage();
        }
        for (Throwable t = ex; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m == null) continue;
            java.util.regex.Matcher found = java.util.regex.Pattern.compile("dev\\.clipmatch\\.(?:\\w+\\.)*\\w*(?:Exception|Error): ([^\\n]*)").matcher(m);
            if (found.find()) return found.group(1);
        }
        return null;
    }

    @Override
    public void run() {
        spec.commandLine().usage(new PrintWriter(System.out, true));
    }

    /** Options every Spark job shares. */
    static final class SparkOptions {
        @Option(names = "--master", paramLabel = "URL",
                description = "Spark master, e.g. local[4] (in-process). Default: what spark-submit set, else local[*].")
        String master;

        @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
                description = "Native threads per executor for encoding and the rank kernels (0: one per core of the executor's machine).")
        int threads;

        SparkSession session(String app) {
            // spark-submit passes its master as a system property, which SparkConf reads
            String chosen = master != null ? master : System.getProperty("spark.master", "local[*]");
            boolean local = chosen.startsWith("local");
            if (local) quietLogs(); // before Spark's first log line, so that Spark keeps this configuration
            SparkConf conf = new SparkConf(true).setAppName("clipmatch " + app).setMaster(chosen);
            if (local) {
                // in-process runs are for trying and testing: quiet, no web UI; a failed task's trace is not news
                conf.setIfMissing("spark.ui.enabled", "false");
                // Spark's stage progress bar on stderr, for a person at a terminal only (it redraws with \r)
                conf.setIfMissing("spark.ui.showConsoleProgress", String.valueOf(System.console() != null));
                conf.setIfMissing("spark.sql.shuffle.partitions", "8");
            }
            return SparkSession.builder().config(conf).getOrCreate();
        }
    }

    /**
     * Errors only, on stderr, and nothing from the loggers that print a failed task's stack trace (the failure
     * reaches the user as one line). A built configuration, so that Spark does not replace it with its defaults.
     */
    static void quietLogs() {
        // one logger context for the JVM, so that Spark's check of "is log4j on its defaults?" sees this one
        if (System.getProperty("log4j2.contextSelector") == null)
            System.setProperty("log4j2.contextSelector", "org.apache.logging.log4j.core.selector.BasicContextSelector");
        var b = ConfigurationBuilderFactory.newConfigurationBuilder();
        b.add(b.newAppender("stderr", "Console").addAttribute("target", "SYSTEM_ERR")
                .add(b.newLayout("PatternLayout").addAttribute("pattern", "%d{HH:mm:ss} %p %c{1}: %m%n")));
        b.add(b.newRootLogger(Level.ERROR).add(b.newAppenderRef("stderr")));
        for (String quiet : new String[] {"org.apache.spark.executor.Executor", "org.apache.spark.scheduler.TaskSetManager",
                "org.apache.spark.scheduler.TaskSchedulerImpl", "org.apache.spark.sql.execution.datasources", "org.apache.spark.util.Utils"})
            b.add(b.newLogger(quiet, Level.OFF));
        Configurator.reconfigure(b.build());
    }

    /** skip|fail, in any case, to {@link OnError}. */
    static final class OnErrorConverter implements CommandLine.ITypeConverter<OnError> {
        @Override
        public OnError convert(String value) {
            return switch (value.toLowerCase(java.util.Locale.ROOT)) {
                case "skip" -> OnError.SKIP;
                case "fail" -> OnError.FAIL;
                default -> throw new CommandLine.TypeConversionException("expected skip or fail, got '" + value + "'");
            };
        }
    }

    /** Recall cut-offs and the sampled protocol, as eval and sweep take them. */
    static final class ProtocolOptions {
        @Option(names = "--k", split = ",", paramLabel = "K", defaultValue = "1,5,10", description = "Recall cut-offs (default: ${DEFAULT-VALUE}).")
        int[] ks;

        @Option(names = "--sample-images", split = ",", paramLabel = "N", description = "Sampled protocol sizes, e.g. 10 or 10,100,1000 (same samples as eval).")
        int[] sampleImages = new int[0];

        @Option(names = "--iterations", defaultValue = "50", description = "Samples per size (default: ${DEFAULT-VALUE}).")
        int iterations;

        @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
        long seed;

        void check() {
            for (int k : ks) if (k < 1) throw new ClipMatchException("--k: every K must be at least 1, got " + k);
            checkPositive("--iterations", iterations);
        }
    }

    /** How executors load the model and read their inputs. */
    static final class EncodeOptions {
        @Option(names = "--io-threads", defaultValue = "2", paramLabel = "N", description = "Image decoding threads per task (default: ${DEFAULT-VALUE}).")
        int ioThreads;

        @Option(names = "--preprocess", paramLabel = "PRESET", description = "Preprocessing preset; default: the registry's, else clip-<input size>.")
        String preset;

        @Option(names = "--vocab", paramLabel = "PATH", description = "Tokenizer vocabulary; default: next to the checkpoint, else in the cache.")
        Path vocab;

        @Option(names = "--truncate", description = "Cut captions longer than the context length instead of failing.")
        boolean truncate;

        @Option(names = "--cache-dir", paramLabel = "DIR", description = "Model cache (default: $CLIPMATCH_CACHE or ~/.cache/clipmatch).")
        Path cacheDir;
    }

    static void checkPositive(String option, int value) {
        if (value < 1) throw new ClipMatchException(option + " must be at least 1, got " + value);
    }
}
