package dev.clipmatch.cli;

import dev.clipmatch.ClipMatchException;
import java.util.Map;
import picocli.CommandLine;

/**
 * Shared CLI behaviour: a {@link ClipMatchException} (bad input, from the library or the CLI) prints one line naming the problem and exits with 2,
 * no stack trace; anything else is a bug and keeps its trace. The library speaks in domain words; the flag that gets past an
 * error ({@link ClipMatchException#remedy()}) is named here.
 */
public final class Cli {
    public static final int EXIT_BAD_INPUT = 2;

    private static final Map<ClipMatchException.Remedy, String> FLAG_HINTS = Map.of(
            ClipMatchException.Remedy.TRUNCATE, " (--truncate cuts long texts as clip.tokenize(truncate=True) does)",
            ClipMatchException.Remedy.SKIP_BAD_IMAGES, " (--on-error skip leaves them out)",
            ClipMatchException.Remedy.CPU_DEVICE, " (use --device cpu)",
            ClipMatchException.Remedy.VOCABULARY_PATH, ": pass --vocab PATH",
            ClipMatchException.Remedy.CAPTION_IMAGE_MAPPING, ": pass --text-image",
            ClipMatchException.Remedy.ARCHITECTURE, " (--arch NAME)");

    private Cli() {}

    /** The one line printed for a library or CLI error: its message and, where one exists, the flag that gets past it. */
    static String line(ClipMatchException e) {
        return "clipmatch: " + e.getMessage() + e.remedy().map(FLAG_HINTS::get).orElse("");
    }

    public static CommandLine commandLine(Object command) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            Throwable cause = ex;
            while (cause != null && !(cause instanceof ClipMatchException)) cause = cause.getCause();
            if (cause != null) {
                commandLine.getErr().println(line((ClipMatchException) cause));
                return EXIT_BAD_INPUT;
            }
            throw ex;
        });
        cl.setParameterExceptionHandler((ex, args) -> {
            String message = ex.getCause() instanceof SharedOptions.BadChoice bad ? bad.getMessage() : ex.getMessage();
            ex.getCommandLine().getErr().println("clipmatch: " + message);
            return EXIT_BAD_INPUT;
        });
        return cl;
    }
}
