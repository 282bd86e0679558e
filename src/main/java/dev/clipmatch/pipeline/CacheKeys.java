package dev.clipmatch.pipeline;

import dev.clipmatch.ClipMatch;
import dev.clipmatch.io.Checksums;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Where {@code sweep} and {@code embed} share their embedding caches, and the content keys in them. */
final class CacheKeys {
    private CacheKeys() {}

    /** {@code <cache>/embeddings/<ClipMatch.cacheKey()>-<preprocessing preset>/}: images.bin and texts.bin. */
    static Path dir(Path cacheRoot, ClipMatch clip) {
        return cacheRoot.resolve("embeddings").resolve(clip.cacheKey() + "-" + clip.presetName());
    }

    /**
     * A text's key: SHA-256 of "tokens\0" + its token ids (big-endian int32), what the text tower sees, so another
     * vocabulary, tokenizer or truncation never reuses a vector. An image's key is the SHA-256 of its file's bytes.
     */
    static byte[] tokens(int[] ids) {
        ByteBuffer bytes = ByteBuffer.allocate(TOKENS_PREFIX.length + 4 * ids.length).put(TOKENS_PREFIX);
        bytes.asIntBuffer().put(ids);
        return Checksums.sha256(bytes.array());
    }

    private static final byte[] TOKENS_PREFIX = "tokens\0".getBytes(StandardCharsets.UTF_8);
}
