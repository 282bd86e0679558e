package dev.clipmatch.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.ClipMatchException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A damaged cache never serves a wrong vector: damaged records are dropped (and counted), NaN/Inf are never stored. */
class EmbeddingCacheIntegrityTest {
    @TempDir
    Path dir;

    static byte[] key(int n) {
        byte[] k = new byte[EmbeddingCache.KEY];
        k[0] = (byte) n;
        return k;
    }

    private Path filled() {
        Path f = dir.resolve("texts.bin");
        try (EmbeddingCache c = new EmbeddingCache(f, 3)) {
            c.putAll(new byte[][] {key(1), key(2), key(3)}, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        }
        return f;
    }

    @Test
    void aFlippedBitDropsOnlyItsRecord() throws Exception {
        Path f = filled();
        int record = EmbeddingCache.KEY + 4 * 3 + 4;
        byte[] bytes = Files.readAllBytes(f);
        bytes[16 + record + EmbeddingCache.KEY + 5] ^= 0x01;  // a float of the second record
        Files.write(f, bytes);
        try (EmbeddingCache c = new EmbeddingCache(f, 3)) {
            assertEquals(1, c.damagedRecords());
            assertArrayEquals(new float[] {1, 2, 3}, c.get(key(1)));
            assertNull(c.get(key(2)), "the damaged vector is not served");
            assertArrayEquals(new float[] {7, 8, 9}, c.get(key(3)));
            c.putAll(new byte[][] {key(2)}, new float[] {4, 5, 6});  // encoded again
        }
        try (EmbeddingCache c = new EmbeddingCache(f, 3)) {
            assertArrayEquals(new float[] {4, 5, 6}, c.get(key(2)));
        }
    }

    @Test
    void appendedGarbageIsNotLoaded() throws Exception {
        Path f = filled();
        int record = EmbeddingCache.KEY + 4 * 3 + 4;
        byte[] garbage = new byte[2 * record + 7];
        new java.util.Random(5).nextBytes(garbage);
        garbage[0] = 9;  // a key that was never written
        Files.write(f, garbage, StandardOpenOption.APPEND);
        try (EmbeddingCache c = new EmbeddingCache(f, 3)) {
            assertEquals(3, c.size());
            assertEquals(2, c.damagedRecords());
        }
    }

    @Test
    void nonFiniteValuesAreNeitherStoredNorServed() throws Exception {
        Path f = filled();
        try (EmbeddingCache c = new EmbeddingCache(f, 3)) {
            ClipMatchException e = assertThrows(ClipMatchException.class, () -> c.putAll(new byte[][] {key(4)}, new float[] {1, Float.NaN, 3}));
            assertTrue(e.getMessage().startsWith(f + ": the model gave NaN"), e.getMessage());
        }
        // A NaN written with a valid checksum (e.g. by a buggy writer) is still refused on read.
        int record = EmbeddingCache.KEY + 4 * 3 + 4;
        ByteBuffer r = ByteBuffer.allocate(record).order(ByteOrder.LITTLE_ENDIAN);
        r.put(key(5)).putFloat(Float.POSITIVE_INFINITY).putFloat(0).putFloat(0);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(r.array(), 0, record - 4);
        r.putInt((int) crc.getValue());
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(r.flip());
        }
        try (EmbeddingCache c = new EmbeddingCache(f, 3)) {
            assertNull(c.get(key(5)));
            assertEquals(1, c.damagedRecords());
        }
    }

    @Test
    void aFirstFormatCacheIsKeptAsideNotRead() throws Exception {
        Path f = dir.resolve("images.bin");
        ByteBuffer v1 = ByteBuffer.allocate(16 + EmbeddingCache.KEY + 12).order(ByteOrder.LITTLE_ENDIAN);
        v1.putInt(0x434d4543).putInt(1).putInt(3).putInt(0).put(key(1)).putFloat(1).putFloat(2).putFloat(3);
        Files.write(f, v1.array());
        try (EmbeddingCache c = new EmbeddingCache(f, 3)) {
            assertEquals(0, c.size());
        }
        assertArrayEquals(v1.array(), Files.readAllBytes(dir.resolve("images.bin.v1")));
    }
}
