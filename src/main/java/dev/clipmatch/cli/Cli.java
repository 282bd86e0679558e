package dev.clipmatch.cli;

import dev.clipmatch.ClipMatchException;
import picocli.CommandLine;

/**
 * Shared CLI behaviour: a {@link ClipMatchException} (bad input, from the library or the CLI) prints one line naming the problem and exits with 2,
 * no stack trace; anything else is a bug and keeps its trace.
 */
public final class Cli {
    public static final int EXIT_BAD_INPUT = 2;

    private Cli() {}

    public static CommandLine commandLine(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            Throwable cause = ex;
            while (cause != null && !(cause instanceof ClipMatchException)) cause = cause.getCause();
            if (cause != null) {
                commandLine.getErr().println("clipmatch: " + cause.getMessage());
                return EXIT_BAD_INPUT;
            }
            throw ex;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            ex.getCommandLine().getErr().println("clipmatch: " + ex.getMessage());
            return EXIT_BAD_INPUT;
        });
        return cl;
    }
}
