package dev.clipmatch.pipeline;

import dev.clipmatch.ClipMatchException;
import java.util.Locale;

/** What a batch job does with an image that cannot be read: skip it and report it, or stop at it. */
public enum OnError {
    SKIP,
    FAIL;

    /** From the command-line spelling {@code skip} / {@code fail}. */
    public static OnError parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ClipMatchException("--on-error must be skip or fail, got \"" + text + "\"");
        }
    }
}
