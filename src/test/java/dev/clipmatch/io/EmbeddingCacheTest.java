package dev.clipmatch.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.ClipMatchException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddingCacheTest {
    @TempDir
    Path dir;

    static byte[] key(int v) {
        byte[] k = new byte[EmbeddingCache.KEY];
        k[0] = (byte) v;
        k[31] = (byte) (v >> 8);
        return k;
    }

    @Test
    void survivesReopenAndTornRecords() throws Exception {
        Path f = dir.resolve("c/images.bin");
        try (EmbeddingCache c = new EmbeddingCache(f, 3)) {
            c.putAll(new byte[][] {key(1), key(2)}, new float[] {1, 2, 3, 4, 5, 6});
            assertThrows(ClipMatchException.class, () -> new EmbeddingCache(f, 3), "second opener is refused");
        }
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[20])); // half a record, as after a crash
        }
        try (EmbeddingCache c = new EmbeddingCache(f, 3)) {
            assertEquals(2, c.size());
            assertArrayEquals(new float[] {4, 5, 6}, c.get(key(2)));
            assertNull(c.get(key(3)));
            c.putAll(new byte[][] {key(3)}, new float[] {7, 8, 9});
        }
        try (EmbeddingCache c = new EmbeddingCache(f, 3)) {
            assertArrayEquals(new float[] {7, 8, 9}, c.get(key(3)));
        }
        assertTrue(assertThrows(ClipMatchException.class, () -> new EmbeddingCache(f, 4)).getMessage().contains("holds 3-d embeddings"));
    }
}
