package dev.clipmatch;

/** An image cannot be decoded or is refused (unsupported feature, too many pixels, not a file). */
public class ImageException extends ClipMatchException {
    private static final long serialVersionUID = 1L;

    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
