package dev.clipmatch.io;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.InputFileException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * Embeddings keyed by a 32-byte content hash (an image file's or a caption's SHA-256), for one model and
 * preprocessing, kept in an append-only file: a 16-byte header, then records of key + dim float32 + CRC-32C of
 * both. Each batch is appended and forced to disk as soon as it is encoded, so an interrupted run keeps all
 * finished batches; a torn last record (crash mid-write) is cut off on open. A record whose checksum fails, or
 * that holds NaN/Inf (flipped bits, appended garbage), is never served: its item is encoded again and the count
 * is in {@link #damagedRecords()}. A version-1 file (no checksums) is moved aside to NAME.v1, not read. One
 * process at a time (file lock).
 */
public final class EmbeddingCache implements AutoCloseable {
    private static final int MAGIC = 0x434d4543; // "CMEC"
    private static final int VERSION = 2;
    private static final int HEADER = 16;
    public static final int KEY = 32;

    private final Path file;
    private final int dim;
    private final FileChannel channel;
    private final FileLock lock;
    private final Map<Key, float[]> entries = new ConcurrentHashMap<>();  // read by decoding threads while batches are added
    private int damaged;

    private record Key(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    public EmbeddingCache(Path file, int dim) {
        this.file = file;
        this.dim = dim;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            moveAsideIfVersion1(file);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                channel.close();
                throw new InputFileException(file + ": the embedding cache is in use by this process already");
            }
            if (lock == null) {
                channel.close();
                throw new InputFileException(file + ": the embedding cache is in use by another clipmatch process");
            }
            load();
        } catch (IOException e) {
            throw new InputFileException(file + ": cannot open the embedding cache (" + e.getMessage() + ")", e);
        }
    }

    /** A cache of the first format has no checksums (and may hold batch-dependent vectors): kept, but not used. */
    private static void moveAsideIfVersion1(Path file) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) < HEADER) return;
        ByteBuffer h = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ch.read(h, 0);
        }
        h.flip();
        if (h.getInt() == MAGIC && h.getInt() == 1)
            Files.move(file, file.resolveSibling(file.getFileName() + ".v1"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private int recordSize() {
        return KEY + 4 * dim + 4;
    }

    private void load() throws IOException {
        long size = channel.size();
        if (size == 0) {
            ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN).putInt(MAGIC).putInt(VERSION).putInt(dim).putInt(0);
            channel.write(h.flip(), 0);
            channel.force(true);
            return;
        }
        ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        channel.read(h, 0);
        h.flip();
        if (h.remaining() < HEADER || h.getInt() != MAGIC || h.getInt() != VERSION)
            throw new InputFileException(file + ": not a clipmatch embedding cache (delete it to rebuild)");
        int stored = h.getInt();
        if (stored != dim) throw new InputFileException(file + ": cache holds " + stored + "-d embeddings, the model gives " + dim + " (delete it to rebuild)");
        int record = recordSize();
        long complete = (size - HEADER) / record;
        ByteBuffer buf = ByteBuffer.allocate(record * 1024).order(ByteOrder.LITTLE_ENDIAN);
        long pos = HEADER;
        for (long done = 0; done < complete; ) {
            int count = (int) Math.min(1024, complete - done);
            buf.clear().limit(count * record);
            while (buf.hasRemaining()) {
                if (channel.read(buf, pos + buf.position()) < 0) throw new InputFileException(file + ": truncated while reading");
            }
            buf.flip();
            CRC32C crc = new CRC32C();
            for (int r = 0; r < count; r++) {
                int at = r * record;
                crc.reset();
                crc.update(buf.array(), at, record - 4);
                byte[] key = new byte[KEY];
                buf.get(key);
                float[] v = new float[dim];
                buf.asFloatBuffer().get(v);
                buf.position(buf.position() + 4 * dim);
                boolean intact = (int) crc.getValue() == buf.getInt();
                if (intact && finite(v)) entries.put(new Key(key), v);
                else damaged++;
            }
            pos += (long) count * record;
            done += count;
        }
        if (pos != size) channel.truncate(pos); // a record torn by a crash
    }

    public Path file() {
        return file;
    }

    public int dim() {
        return dim;
    }

    public int size() {
        return entries.size();
    }

    /** Records found damaged on open (bad checksum or non-finite values): ignored, their items are encoded again. */
    public int damagedRecords() {
        return damaged;
    }

    private static boolean finite(float[] v) {
        for (float x : v) if (!Float.isFinite(x)) return false;
        return true;
    }

    public float[] get(byte[] key) {
        return entries.get(new Key(key));
    }

    /** Appends a batch (keys[i] -> rows i of {@code vectors}) and forces it to disk. */
    public synchronized void putAll(byte[][] keys, float[] vectors) {
        if (vectors.length != keys.length * dim) throw new IllegalArgumentException("need " + dim + " floats per key");
        for (int i = 0; i < vectors.length; i++) {
            if (!Float.isFinite(vectors[i]))
                throw new ClipMatchException(file + ": the model gave " + vectors[i] + " in embedding " + (i / dim) + " of a batch; not cached");
        }
        int record = recordSize();
        ByteBuffer buf = ByteBuffer.allocate(keys.length * record).order(ByteOrder.LITTLE_ENDIAN);
        CRC32C crc = new CRC32C();
        for (int i = 0; i < keys.length; i++) {
            buf.put(keys[i]);
            for (int d = 0; d < dim; d++) buf.putFloat(vectors[i * dim + d]);
            crc.reset();
            crc.update(buf.array(), i * record, record - 4);
            buf.putInt((int) crc.getValue());
        }
        buf.flip();
        try {
            long pos = channel.size();
            while (buf.hasRemaining()) pos += channel.write(buf, pos);
            channel.force(false);
        } catch (IOException e) {
            throw new InputFileException(file + ": cannot write the embedding cache (" + e.getMessage() + ")", e);
        }
        for (int i = 0; i < keys.length; i++) entries.put(new Key(keys[i].clone()), Arrays.copyOfRange(vectors, i * dim, (i + 1) * dim));
    }

    @Override
    public void close() {
        try {
            if (lock.isValid()) lock.release();
            channel.close();
        } catch (IOException e) {
            throw new InputFileException(file + ": cannot close the embedding cache (" + e.getMessage() + ")", e);
        }
    }
}
