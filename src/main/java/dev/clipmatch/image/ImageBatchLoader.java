package dev.clipmatch.image;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.ImageException;
import dev.clipmatch.io.Checksums;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Reads and preprocesses images on a bounded pool of threads, one task per image, and hands them out as
 * batches in input order, so that decoding overlaps whatever consumes the batches (inference).
 *
 * <p>Each file is read once: its SHA-256 is taken of exactly the bytes that are then decoded, so a file replaced
 * while it is listed, hashed or decoded can never give pixels filed under another content's key. A content filter
 * ({@code decodeIf}, asked with that hash) lets a cache skip decoding what it already holds; such images are in
 * {@link ImageBatch#read()} only.
 *
 * <p>Memory is bounded whatever the number of images: besides the batch the consumer holds, at most
 * {@link #BATCHES_AHEAD} + 1 batches are being filled. A bad image is a {@link ClipMatchException} from
 * {@link Iterator#next()}, or with {@code skipUnreadable} a line in {@link ImageBatch#skipped()}. Iterate once; close to stop the threads.
 */
public final class ImageBatchLoader implements AutoCloseable, Iterable<ImageBatch> {

    /** Batches queued behind the one the consumer waits for. */
    static final int BATCHES_AHEAD = 2;

    private final List<Path> images;
    private final ImagePreprocessor preprocessor;
    private final int batchSize;
    private final boolean skipUnreadable;
    private final Predicate<byte[]> decodeIf;
    private final ExecutorService pool;
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private int nextBatch;
    private boolean iterated;

    public ImageBatchLoader(List<Path> images, ImagePreprocessor preprocessor, int batchSize, int threads, boolean skipUnreadable) {
        this(images, preprocessor, batchSize, threads, skipUnreadable, sha256 -> true);
    }

    /** {@code decodeIf}: called on the pool's threads with each image's SHA-256; false leaves the image undecoded. */
    public ImageBatchLoader(List<Path> images, ImagePreprocessor preprocessor, int batchSize, int threads, boolean skipUnreadable,
            Predicate<byte[]> decodeIf) {
        if (batchSize < 1) throw new ClipMatchException("batch size must be at least 1, got " + batchSize);
        if (threads < 1) throw new ClipMatchException("thread count must be at least 1, got " + threads);
        this.images = List.copyOf(images);
        this.preprocessor = preprocessor;
        this.batchSize = batchSize;
        this.skipUnreadable = skipUnreadable;
        this.decodeIf = decodeIf;
        AtomicInteger counter = new AtomicInteger();
        this.pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "clipmatch-image-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Number of batches the iteration yields. */
    public int batchCount() {
        return (images.size() + batchSize - 1) / batchSize;
    }

    @Override
    public Iterator<ImageBatch> iterator() {
        if (iterated) throw new IllegalStateException("an ImageBatchLoader can be iterated only once");
        iterated = true;
        fill();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !pending.isEmpty();
            }

            @Override
            public ImageBatch next() {
                if (pending.isEmpty()) throw new NoSuchElementException();
                return take();
            }
        };
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }

    private void fill() {
        while (pending.size() < BATCHES_AHEAD && nextBatch < batchCount()) pending.add(submit(nextBatch++));
    }

    private Pending submit(int batch) {
        int start = batch * batchSize;
        int count = Math.min(batchSize, images.size() - start);
        Pending p = new Pending(start, count, new float[count][], new String[count], new byte[count][], new Future<?>[count]);
        for (int i = 0; i < count; i++) {
            final int slot = i;
            Path path = images.get(start + i);
            p.futures[i] = pool.submit(() -> {
                try {
                    byte[] bytes = ImagePreprocessor.readFile(path);
                    byte[] digest = Checksums.sha256(bytes);
                    if (decodeIf.test(digest)) p.pixels[slot] = preprocessor.preprocess(bytes, path.toString());
                    p.sha256[slot] = digest;  // last: an image that failed to decode has no hash, as if unread
                } catch (ClipMatchException e) {
                    p.errors[slot] = e.getMessage();
                }
            });
        }
        return p;
    }

    private ImageBatch take() {
        Pending p = pending.poll();
        fill();  // keep the workers busy while this batch completes
        for (Future<?> f : p.futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while loading images", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) throw r;
                if (e.getCause() instanceof Error err) throw err;
                throw new IllegalStateException(e.getCause());
            }
        }
        int length = preprocessor.tensorLength();
        int decoded = 0;
        for (float[] image : p.pixels) if (image != null) decoded++;
        float[] pixels = new float[decoded * length];
        List<Path> kept = new ArrayList<>(decoded);
        int[] positions = new int[decoded];
        List<String> skipped = new ArrayList<>();
        List<byte[]> digests = new ArrayList<>(decoded);
        for (int i = 0; i < p.count; i++) {
            if (p.errors[i] != null) {
                if (!skipUnreadable) throw new ImageException(p.errors[i]);
                skipped.add(p.errors[i]);
            } else if (p.pixels[i] != null) {
                System.arraycopy(p.pixels[i], 0, pixels, kept.size() * length, length);
                positions[kept.size()] = p.start + i;
                digests.add(p.sha256[i]);
                kept.add(images.get(p.start + i));
            }
        }
        return new ImageBatch(p.start, pixels, kept.size(), List.copyOf(kept), positions, List.copyOf(skipped), List.copyOf(digests), p.sha256);
    }

    private record Pending(int start, int count, float[][] pixels, String[] errors, byte[][] sha256, Future<?>[] futures) {}
}
