package dev.clipmatch;

/** A text needs more tokens than the model's context length; {@link Remedy#TRUNCATE} gets past it. */
public class TextTooLongException extends ClipMatchException {
    private static final long serialVersionUID = 1L;

    public TextTooLongException(String message) {
        super(message, Remedy.TRUNCATE);
    }

    /** The same error with more context (the file and line of the text); keeps the remedy. */
    public TextTooLongException(String message, TextTooLongException cause) {
        super(message, cause);
    }
}
