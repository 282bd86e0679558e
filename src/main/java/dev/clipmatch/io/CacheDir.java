package dev.clipmatch.io;

import java.nio.file.Path;

/**
 * The cache root, ${CLIPMATCH_CACHE:-$HOME/.cache/clipmatch}: models and their vocabulary at the top, dataset captions
 * and images under {@code data/}, embeddings under {@code embeddings/}.
 */
public final class CacheDir {
    private CacheDir() {}

    public static Path defaultDir() {
        String env = System.getenv("CLIPMATCH_CACHE");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "clipmatch");
    }

    public static Path dirOr(Path override) {
        return override != null ? override : defaultDir();
    }
}
