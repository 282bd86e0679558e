package dev.clipmatch.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code clipmatch} command line; every job is a subcommand over the Java API. */
@Command(name = "clipmatch", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "CLIP image-text matching and exact Recall@K evaluation.",
        subcommands = {
            CommandLine.HelpCommand.class,
            TokenizeCommand.class,
            PreprocessCommand.class,
            EmbedCommand.class,
            EvalCommand.class,
            SweepCommand.class,
            MatchCommand.class,
            SearchCommand.class,
            FetchDataCommand.class,
            ModelsCommand.class,
            FetchModelCommand.class,
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        reportSignals();
        System.exit(run(args));
    }

    /**
     * SIGINT and SIGTERM end the process with one line saying so and the shell's exit code (128 + signal). Outputs are
     * atomic and the embedding cache keeps every finished batch, so a rerun resumes; nothing half-written is kept.
     */
    private static void reportSignals() {
        for (String name : new String[] {"INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                    System.err.println("clipmatch: stopped by SIG" + signal.getName() + "; finished work is kept (embedding cache, completed outputs): rerun to resume");
                    System.exit(128 + signal.getNumber());
                });
            } catch (IllegalArgumentException e) {
                // the platform does not know this signal or the JVM reserves it (-Xrs): keep the default behaviour
            }
        }
    }

    /** Runs the CLI and returns its exit code (tests call this instead of {@link #main}). */
    public static int run(String... args) {
        return Cli.commandLine(new Main()).execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"clipmatch " + (v == null ? "0.1.0" : v)};
        }
    }
}
