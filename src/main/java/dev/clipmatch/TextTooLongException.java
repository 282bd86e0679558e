package dev.clipmatch;

/** A text needs more tokens than the model's context length. */
public class TextTooLongException extends ClipMatchException {
    private static final long serialVersionUID = 1L;

    public TextTooLongException(String message) {
        super(message);
    }

    public TextTooLongException(String message, Throwable cause) {
        super(message, cause);
    }
}
