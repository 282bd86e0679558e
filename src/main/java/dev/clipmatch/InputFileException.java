package dev.clipmatch;

/** A data file (npy, JSON, CSV, dataset, cache) is missing, malformed or inconsistent. */
public class InputFileException extends ClipMatchException {
    private static final long serialVersionUID = 1L;

    public InputFileException(String message) {
        super(message);
    }

    public InputFileException(String message, Throwable cause) {
        super(message, cause);
    }

    public InputFileException(String message, Remedy remedy) {
        super(message, remedy);
    }
}
