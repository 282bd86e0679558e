package dev.clipmatch.pipeline;

import dev.clipmatch.ClipMatch;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.TextTooLongException;
import dev.clipmatch.io.AtomicFiles;
import dev.clipmatch.io.Checksums;
import dev.clipmatch.io.EmbeddingCache;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.io.Npy;
import dev.clipmatch.io.OutputFiles;
import dev.clipmatch.kernels.Embeddings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Embeds a list of images or texts into a float32 [N, D] .npy plus a JSON sidecar. Encoding goes through the
 * content-addressed embedding cache that {@code sweep} uses (keyed by the checkpoint and preprocessing, then each
 * image file's bytes' or text's token ids' SHA-256), so a rerun after an interruption or a failure encodes only what is missing. The
 * .npy and the sidecar are each written atomically, the sidecar last and naming the .npy's SHA-256: a reader finds
 * the old pair, the new pair, or a .npy without a sidecar (not a result), never a .npy with another run's sidecar.
 */
public final class EmbedJob {
    /** The inputs: image paths, or texts with their 1-based line numbers. */
    public sealed interface Inputs permits Images, Texts {
        int size();

        /** The list file, directory or text file the inputs came from. */
        Path source();
    }

    public record Images(Path source, List<Path> paths) implements Inputs {
        public int size() {
            return paths.size();
        }
    }

    public record Texts(Path source, List<String> texts, int[] lineNumbers) implements Inputs {
        public int size() {
            return texts.size();
        }
    }

    /** How to encode, and whether rows are L2-normalised (by the score backend) before they are written. */
    public record Settings(Encoder.Settings encoding, boolean normalize) {}

    private final ClipMatch clip;
    private final Path cacheRoot;
    private final PrintStream err;

    /** {@code cacheRoot}: the clipmatch cache, whose {@code embeddings/} folder holds the embedding caches. */
    public EmbedJob(ClipMatch clip, Path cacheRoot, PrintStream err) {
        this.clip = clip;
        this.cacheRoot = cacheRoot;
        this.err = err;
    }

    /**
     * Runs the job under an exclusive lock on {@code out} (a second writer refuses), after removing what an earlier
     * writer killed mid-way left beside it; returns the sidecar written next to {@code out}.
     */
    public EmbedSidecar run(Inputs inputs, Settings settings, Path out) {
        try (FileChannel lock = OutputFiles.lock(out)) {
            AtomicFiles.cleanDebrisOf(out);
            AtomicFiles.cleanDebrisOf(sidecarPath(out));
            if (Files.exists(out) && !Files.exists(sidecarPath(out)))
                err.println("embed: notice: " + out + " has no sidecar (an interrupted run's output); it is replaced");
            return runLocked(inputs, settings, out);
        } catch (IOException e) {
            throw new ClipMatchException(out + ": cannot release its lock (" + e.getMessage() + ")", e);
        }
    }

    private EmbedSidecar runLocked(Inputs inputs, Settings settings, Path out) {
        int n = inputs.size();
        if (n == 0) throw new ClipMatchException(inputs.source() + ": no inputs to embed");
        int dim = clip.dim();
        if ((long) n * dim > Integer.MAX_VALUE - 8) throw new ClipMatchException("too many inputs for one output (" + n + " x " + dim + "); split the list");
        boolean images = inputs instanceof Images;
        String unit = images ? "images" : "texts";
        Path cacheFile = CacheKeys.dir(cacheRoot, clip).resolve(images ? "images.bin" : "texts.bin");
        List<String> skipped = new ArrayList<>();
        try (EmbeddingCache cache = new EmbeddingCache(cacheFile, dim)) {
            EncodeListener listener = EncodeListener.progress(err, "embed", unit);
            byte[][] keys;
            List<List<String>> duplicates = null;
            if (inputs instanceof Images img) {
                keys = encodeImages(img, settings, cache, listener, skipped);
                duplicates = DuplicateContent.groups(keys, i -> img.paths().get(i).toString());
                String notice = DuplicateContent.notice(duplicates, "listed image(s) have");
                if (notice != null) err.println("embed: notice: " + notice);
            } else {
                keys = encodeTexts((Texts) inputs, settings, cache, listener);
            }
            return write(inputs, settings, out, cache, keys, skipped, duplicates);
        }
    }

    /**
     * Each image file read once: hashed, and decoded and encoded only when the cache lacks that content (so a file
     * changed meanwhile is filed under the content that was encoded). Returns the keys, null for the images skipped.
     */
    private byte[][] encodeImages(Images img, Settings settings, EmbeddingCache cache, EncodeListener listener, List<String> skipped) {
        Encoder.ContentRead read = clip.encoder().imagesIntoCache(img.paths(), settings.encoding(), cache, listener);
        skipped.addAll(read.skipped());
        int cached = img.size() - read.skipped().size() - read.encoded();
        if (cached > 0) err.printf("embed: %d of %d images already in the embedding cache %s%n", cached, img.size(), cache.file());
        return read.sha256();
    }

    /**
     * Texts by their token ids ({@link CacheKeys#tokens}: tokenized first, so a text too long for the context is refused
     * before anything is encoded, and never served a vector cached with truncation); each distinct one the cache lacks
     * is encoded once.
     */
    private byte[][] encodeTexts(Texts t, Settings settings, EmbeddingCache cache, EncodeListener listener) {
        int context = clip.model().config().contextLength();
        byte[][] keys = new byte[t.size()][];
        for (int i = 0; i < keys.length; i++) {
            try {
                keys[i] = CacheKeys.tokens(clip.tokenizer().encode(t.texts().get(i), context, settings.encoding().truncate()));
            } catch (TextTooLongException e) {
                throw new TextTooLongException(t.source() + ": line " + t.lineNumbers()[i] + ": " + e.getMessage(), e);
            }
        }
        List<Integer> todo = new ArrayList<>();
        Set<ByteBuffer> queued = new HashSet<>();
        for (int i = 0; i < keys.length; i++) {
            if (cache.get(keys[i]) == null && queued.add(ByteBuffer.wrap(keys[i]))) todo.add(i);
        }
        long cached = Arrays.stream(keys).filter(k -> cache.get(k) != null).count();
        if (cached > 0) err.printf("embed: %d of %d texts already in the embedding cache %s%n", cached, keys.length, cache.file());
        clip.encoder().texts(todo.stream().map(t.texts()::get).toList(), settings.encoding(), p -> t.source() + ": line " + t.lineNumbers()[todo.get(p)],
                listener, (positions, e) -> cache.putAll(Arrays.stream(positions).mapToObj(p -> keys[todo.get(p)]).toArray(byte[][]::new), e));
        return keys;
    }

    /** The rows of the inputs that have an embedding, in input order, normalised if asked, then the .npy and the sidecar. */
    private EmbedSidecar write(Inputs inputs, Settings settings, Path out, EmbeddingCache cache, byte[][] keys, List<String> skipped,
            List<List<String>> duplicates) {
        int dim = clip.dim();
        float[] all = new float[inputs.size() * dim];
        List<Object> order = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            float[] row = keys[i] == null ? null : cache.get(keys[i]);
            if (row == null) continue; // skipped
            System.arraycopy(row, 0, all, order.size() * dim, dim);
            order.add(inputs instanceof Images img ? img.paths().get(i).toString() : (Object) (long) ((Texts) inputs).lineNumbers()[i]);
        }
        if (order.isEmpty()) throw new ClipMatchException(inputs.source() + ": no input could be embedded (" + skipped.size() + " skipped)");
        int rows = order.size();
        float[] data = rows == inputs.size() ? all : Arrays.copyOf(all, rows * dim);
        if (settings.normalize()) normalize(new Embeddings(data, rows, dim), inputs.source(), order);

        // Never a new .npy beside an old sidecar: the old sidecar goes first, the new one (naming the .npy's hash) last.
        Path sidecarFile = sidecarPath(out);
        try {
            Files.deleteIfExists(sidecarFile);
        } catch (IOException e) {
            throw new ClipMatchException(sidecarFile + ": cannot replace (" + e.getMessage() + ")", e);
        }
        AtomicFiles.syncDirectory(sidecarFile.toAbsolutePath().getParent());
        Npy.writeFloats(out, data, rows, dim);
        EmbedSidecar sidecar = new EmbedSidecar(inputs instanceof Images ? "images" : "texts", clip.label(), clip.model().checkpoint().path().toString(),
                clip.model().checkpoint().format().id, clip.checkpointSha256(), clip.model().config().describe(),
                inputs instanceof Images ? EmbedSidecar.Preprocess.of(clip.presetName(), clip.preprocessor().config()) : null,
                inputs instanceof Texts ? new EmbedSidecar.Tokenizer(clip.vocabFile().toString(), clip.model().config().contextLength(),
                        settings.encoding().truncate()) : null,
                settings.normalize(), "float32", inputs.source().toString(), List.of(rows, dim), rows, order, List.copyOf(skipped), duplicates, Checksums.sha256(out));
        AtomicFiles.writeString(sidecarFile, JsonFiles.pretty(sidecar));
        return sidecar;
    }

    /** By the score backend; an embedding with no direction (all zeros, or not finite) is an error naming its input. */
    private void normalize(Embeddings e, Path source, List<Object> order) {
        try {
            clip.backend().normalizeRows(e);
        } catch (IllegalArgumentException zero) {
            for (int r = 0; r < e.rows(); r++) {
                double sum = 0;
                for (int i = 0; i < e.dim(); i++) sum += (double) e.get(r, i) * e.get(r, i);
                if (!(sum > 0) || Double.isInfinite(sum))
                    throw new ClipMatchException(source + ": the embedding of " + describe(order.get(r)) + " is zero or not finite, so it cannot be normalised", zero);
            }
            throw zero;
        }
    }

    private static String describe(Object item) {
        return item instanceof Long line ? "line " + line : item.toString();
    }

    /** OUT.npy -> OUT.json; any other name gets .json appended. */
    public static Path sidecarPath(Path out) {
        String name = out.getFileName().toString();
        return out.resolveSibling(name.endsWith(".npy") ? name.substring(0, name.length() - 4) + ".json" : name + ".json");
    }
}
