package dev.clipmatch;

/** Input that is well formed but asks for something not implemented (a config field, an architecture, a device): refused rather than computed wrongly. */
public class UnsupportedFeatureException extends ClipMatchException {
    private static final long serialVersionUID = 1L;

    public UnsupportedFeatureException(String message) {
        super(message);
    }

    public UnsupportedFeatureException(String message, Throwable cause) {
        super(message, cause);
    }

    public UnsupportedFeatureException(String message, Remedy remedy) {
        super(message, remedy);
    }
}
