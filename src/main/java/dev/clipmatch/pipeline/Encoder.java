package dev.clipmatch.pipeline;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.TextTooLongException;
import dev.clipmatch.image.ImageBatch;
import dev.clipmatch.image.ImageBatchLoader;
import dev.clipmatch.image.ImagePreprocessor;
import dev.clipmatch.io.EmbeddingCache;
import dev.clipmatch.model.ClipModel;
import dev.clipmatch.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * The one encoding path of clipmatch (the Java API, {@code embed} and {@code sweep}): images decoded on a pool of
 * threads while the model runs, texts in batches of similar token length (less padding to trim), the on-error
 * policy, and progress to an {@link EncodeListener}. Each batch goes to a {@link Sink} as soon as it is encoded,
 * so that a caller can put it on disk before the next one starts. Embeddings are the model's, not normalised.
 */
public final class Encoder {
    public static final int DEFAULT_IMAGE_BATCH = 32;
    public static final int DEFAULT_TEXT_BATCH = 128;
    public static final int DEFAULT_IO_THREADS = 2;

    /**
     * @param batchSize items per model call
     * @param ioThreads image decoding threads
     * @param onError an unreadable image stops the run (FAIL) or is reported and left out (SKIP)
     * @param truncate texts longer than the context are cut (as clip.tokenize(truncate=True)) instead of failing
     */
    public record Settings(int batchSize, int ioThreads, OnError onError, boolean truncate) {
        public Settings {
            if (batchSize < 1) throw new ClipMatchException("batch size must be at least 1, got " + batchSize);
            if (ioThreads < 1) throw new ClipMatchException("image decoding threads must be at least 1, got " + ioThreads);
        }

        public static Settings imageDefaults() {
            return new Settings(DEFAULT_IMAGE_BATCH, DEFAULT_IO_THREADS, OnError.FAIL, false);
        }

        public static Settings textDefaults(boolean truncate) {
            return new Settings(DEFAULT_TEXT_BATCH, DEFAULT_IO_THREADS, OnError.FAIL, truncate);
        }
    }

    /** Receives each encoded batch: the input positions of its rows, and the rows ([positions.length, D], row-major). */
    @FunctionalInterface
    public interface Sink {
        void accept(int[] positions, float[] embeddings);
    }

    private final ClipModel model;
    private final ImagePreprocessor preprocessor;
    private final Supplier<TextTokenizer> tokenizer;

    /** {@code tokenizer} is asked for only when texts are encoded (image-only work needs no vocabulary). */
    public Encoder(ClipModel model, ImagePreprocessor preprocessor, Supplier<? extends TextTokenizer> tokenizer) {
        this.model = model;
        this.preprocessor = preprocessor;
        this.tokenizer = tokenizer::get;
    }

    public int dim() {
        return model.config().embedDim();
    }

    /** Receives each encoded image batch with the SHA-256 of the bytes each image was decoded from (one read). */
    @FunctionalInterface
    public interface ContentSink {
        void accept(int[] positions, List<byte[]> sha256, float[] embeddings);
    }

    /**
     * What {@link #imagesByContent} read: per input image the SHA-256 of its bytes (null for an image skipped),
     * the problems of the images skipped, and how many images were decoded and encoded.
     */
    public record ContentRead(byte[][] sha256, List<String> skipped, int encoded) {}

    /** Encodes {@code images} in order; returns the problems of the images skipped (none under {@link OnError#FAIL}). */
    public List<String> images(List<Path> images, Settings s, EncodeListener listener, Sink sink) {
        return imagesByContent(images, s, sha256 -> true, listener, (positions, sha256, e) -> sink.accept(positions, e)).skipped();
    }

    /**
     * As {@link #images}, keyed by content: each file is read once, hashed, and decoded and encoded only if
     * {@code needed} says so for that hash (a cache answers no for what it holds; asked from the decoding threads).
     * The sink gets each encoded row with the hash of the bytes that gave it.
     */
    public ContentRead imagesByContent(List<Path> images, Settings s, Predicate<byte[]> needed, EncodeListener listener, ContentSink sink) {
        List<String> skipped = new ArrayList<>();
        byte[][] read = new byte[images.size()][];
        int encoded = 0;
        if (images.isEmpty()) return new ContentRead(read, skipped, encoded);
        listener.started(images.size());
        try (ImageBatchLoader loader = new ImageBatchLoader(images, preprocessor, s.batchSize(), s.ioThreads(), s.onError() == OnError.SKIP, needed)) {
            for (ImageBatch b : loader) {
                for (String problem : b.skipped()) {
                    skipped.add(problem);
                    listener.skipped(problem);
                }
                System.arraycopy(b.read(), 0, read, b.start(), b.inputs());
                if (b.count() > 0) sink.accept(b.positions(), b.sha256(), model.encodeImages(b.pixels(), b.count()));
                encoded += b.count();
                listener.progressed(b.inputs());
            }
        }
        return new ContentRead(read, skipped, encoded);
    }

    /**
     * {@link #imagesByContent} into a content-addressed cache: only the content {@code cache} lacks is decoded, encoded
     * and added, each batch before the next starts.
     */
    public ContentRead imagesIntoCache(List<Path> images, Settings s, EmbeddingCache cache, EncodeListener listener) {
        return imagesByContent(images, s, key -> cache.get(key) == null, listener, (positions, sha256, e) -> cache.putAll(sha256.toArray(byte[][]::new), e));
    }

    /**
     * Encodes {@code texts}, sorted by token count (stable, so equal lengths keep their order) and cut into batches;
     * a text longer than the context without {@code truncate} is a {@link TextTooLongException} prefixed with
     * {@code where.apply(position)}, raised before anything is encoded.
     */
    public void texts(List<String> texts, Settings s, IntFunction<String> where, EncodeListener listener, Sink sink) {
        if (texts.isEmpty()) return;
        TextTokenizer tok = tokenizer.get();
        int ctx = model.config().contextLength();
        int[][] ids = new int[texts.size()][];
        for (int i = 0; i < ids.length; i++) {
            try {
                ids[i] = tok.encode(texts.get(i), ctx, s.truncate());
            } catch (TextTooLongException e) {
                throw new TextTooLongException(where.apply(i) + ": " + e.getMessage(), e);
            }
        }
        int[] order = IntStream.range(0, ids.length).boxed().sorted(Comparator.comparingInt(i -> ids[i].length)).mapToInt(Integer::intValue).toArray();
        listener.started(texts.size());
        for (int start = 0; start < order.length; start += s.batchSize()) {
            int[] positions = Arrays.copyOfRange(order, start, Math.min(order.length, start + s.batchSize()));
            long[] batch = new long[positions.length * ctx];
            for (int r = 0; r < positions.length; r++) {
                int[] row = ids[positions[r]];
                for (int k = 0; k < row.length; k++) batch[r * ctx + k] = row[k];
            }
            sink.accept(positions, model.encodeTexts(batch, positions.length, ctx));
            listener.progressed(positions.length);
        }
    }
}
