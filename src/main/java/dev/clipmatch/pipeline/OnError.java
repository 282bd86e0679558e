package dev.clipmatch.pipeline;

/** What a batch job does with an image that cannot be read: skip it and report it, or stop at it. */
public enum OnError {
    SKIP,
    FAIL
}
