package dev.clipmatch.pipeline;

import dev.clipmatch.ClipMatch;
import dev.clipmatch.io.Checksums;
import java.nio.file.Path;

/** Where {@code sweep} and {@code embed} share their embedding caches, and the content keys in them. */
final class CacheKeys {
    private CacheKeys() {}

    /** {@code <cache>/embeddings/<ClipMatch.cacheKey()>-<preprocessing preset>/}: images.bin and texts.bin. */
    static Path dir(Path cacheRoot, ClipMatch clip) {
        return cacheRoot.resolve("embeddings").resolve(clip.cacheKey() + "-" + clip.presetName());
    }

    /** A caption's key: SHA-256 of "text\0" + its UTF-8 bytes (an image's key is the SHA-256 of its file). */
    static byte[] text(String caption) {
        return Checksums.sha256("text\0" + caption);
    }
}
