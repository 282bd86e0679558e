package dev.clipmatch;

import java.util.Optional;

/**
 * Root of every error the library reports for bad input (a file, a format, a model, an argument): its message names
 * the file and row/line in domain words, never a command-line flag. Anything else thrown by the library is a bug.
 * Subclasses exist where a caller may want to branch; {@link #remedy()} says which setting gets past the error, so
 * that a front end (the CLI) can name its own spelling of it.
 */
public class ClipMatchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A setting of the API that a caller can change to get past the error. */
    public enum Remedy {
        /** Cut texts to the context length ({@code truncate}), as clip.tokenize(truncate=True). */
        TRUNCATE,
        /** Leave unreadable or missing images out ({@code OnError.SKIP}) instead of stopping. */
        SKIP_BAD_IMAGES,
        /** Score on the CPU kernels (device {@code cpu}). */
        CPU_DEVICE,
        /** Name the tokenizer vocabulary explicitly. */
        VOCABULARY_PATH,
        /** Give the caption → image mapping explicitly. */
        CAPTION_IMAGE_MAPPING,
        /** Name the open_clip architecture of a bare state dict ({@code ClipMatch.Options.arch}). */
        ARCHITECTURE,
    }

    private final Remedy remedy;

    public ClipMatchException(String message) {
        this(message, (Remedy) null);
    }

    public ClipMatchException(String message, Throwable cause) {
        super(message, cause);
        this.remedy = cause instanceof ClipMatchException c ? c.remedy : null;
    }

    public ClipMatchException(String message, Remedy remedy) {
        super(message);
        this.remedy = remedy;
    }

    public Optional<Remedy> remedy() {
        return Optional.ofNullable(remedy);
    }
}
