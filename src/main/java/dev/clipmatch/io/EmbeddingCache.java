package dev.clipmatch.io;

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
import java.util.HashMap;
import java.util.Map;

/**
 * Embeddings keyed by a 32-byte content hash (an image file's or a caption's SHA-256), for one model and
 * preprocessing, kept in an append-only file: a 16-byte header, then records of key + dim float32. Each batch
 * is appended and forced to disk as soon as it is encoded, so an interrupted run keeps all finished batches;
 * a torn last record (crash mid-write) is cut off on open. One process at a time (file lock).
 */
public final class EmbeddingCache implements AutoCloseable {
    private static final int MAGIC = 0x434d4543; // "CMEC"
    private static final int VERSION = 1;
    private static final int HEADER = 16;
    public static final int KEY = 32;

    private final Path file;
    private final int dim;
    private final FileChannel channel;
    private final FileLock lock;
    private final Map<Key, float[]> entries = new HashMap<>();

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
        int record = KEY + 4 * dim;
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
            for (int r = 0; r < count; r++) {
                byte[] key = new byte[KEY];
                buf.get(key);
                float[] v = new float[dim];
                buf.asFloatBuffer().get(v);
                buf.position(buf.position() + 4 * dim);
                entries.put(new Key(key), v);
            }
            pos += (long) count * record;
            done += count;
        }
        if (pos != size) channel.truncate(pos); // a record torn by a crash
    }

    public int dim() {
        return dim;
    }

    public int size() {
        return entries.size();
    }

    public float[] get(byte[] key) {
        return entries.get(new Key(key));
    }

    /** Appends a batch (keys[i] -> rows i of {@code vectors}) and forces it to disk. */
    public synchronized void putAll(byte[][] keys, float[] vectors) {
        if (vectors.length != keys.length * dim) throw new IllegalArgumentException("need " + dim + " floats per key");
        ByteBuffer buf = ByteBuffer.allocate(keys.length * (KEY + 4 * dim)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < keys.length; i++) {
            buf.put(keys[i]);
            for (int d = 0; d < dim; d++) buf.putFloat(vectors[i * dim + d]);
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
