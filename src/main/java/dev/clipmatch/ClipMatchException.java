package dev.clipmatch;

/**
 * Root of every error the library reports for bad input (a file, a format, a model, an argument): its message names
 * the file and row/line in domain words, never a command-line flag. Anything else thrown by the library is a bug.
 * Subclasses exist where a caller may want to branch.
 */
public class ClipMatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ClipMatchException(String message) {
        super(message);
    }

    public ClipMatchException(String message, Throwable cause) {
        super(message, cause);
    }
}
