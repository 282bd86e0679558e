package dev.clipmatch;

/** A model checkpoint or its config cannot be loaded: wrong format, checksum, tensor names or shapes. */
public class CheckpointException extends ClipMatchException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
