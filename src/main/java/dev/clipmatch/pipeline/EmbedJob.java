package dev.clipmatch.pipeline;

import dev.clipmatch.ClipMatch;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.io.AtomicFiles;
import dev.clipmatch.io.Checksums;
import dev.clipmatch.io.EmbeddingCache;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.io.Npy;
import dev.clipmatch.kernels.Embeddings;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Embeds a list of images or texts into a float32 [N, D] .npy plus a JSON sidecar. Encoding goes through the
 * content-addressed embedding cache that {@code sweep} uses (keyed by the checkpoint and preprocessing, then each
 * image file's or text's SHA-256), so a rerun after an interruption or a failure encodes only what is missing. The
 * .npy and the sidecar are written atomically.
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

    /** Runs the job; returns the sidecar written next to {@code out}. */
    public EmbedSidecar run(Inputs inputs, Settings settings, Path out) {
        int n = inputs.size();
        if (n == 0) throw new ClipMatchException(inputs.source() + ": no inputs to embed");
        int dim = clip.dim();
        if ((long) n * dim > Integer.MAX_VALUE - 8) throw new ClipMatchException("too many inputs for one output (" + n + " x " + dim + "); split the list");
        boolean images = inputs instanceof Images;
        String unit = images ? "images" : "texts";
        Path cacheFile = CacheKeys.dir(cacheRoot, clip).resolve(images ? "images.bin" : "texts.bin");
        List<String> skipped = new ArrayList<>();
        byte[][] keys = images ? imageKeys(((Images) inputs).paths(), settings.encoding().onError(), skipped) : textKeys(((Texts) inputs).texts());
        try (EmbeddingCache cache = new EmbeddingCache(cacheFile, dim)) {
            List<Integer> todo = new ArrayList<>();
            Set<ByteBuffer> queued = new HashSet<>(); // by content: equal images or texts are encoded once
            for (int i = 0; i < n; i++) {
                if (keys[i] != null && cache.get(keys[i]) == null && queued.add(ByteBuffer.wrap(keys[i]))) todo.add(i);
            }
            long cached = IntStream.range(0, n).filter(i -> keys[i] != null && cache.get(keys[i]) != null).count();
            if (cached > 0) err.printf("embed: %d of %d %s already in the embedding cache %s%n", cached, n, unit, cacheFile);
            EncodeListener listener = EncodeListener.progress(err, "embed", unit);
            Encoder.Sink sink = (positions, e) -> cache.putAll(Arrays.stream(positions).mapToObj(p -> keys[todo.get(p)]).toArray(byte[][]::new), e);
            if (inputs instanceof Images img) {
                skipped.addAll(clip.encoder().images(todo.stream().map(img.paths()::get).toList(), settings.encoding(), listener, sink));
            } else {
                Texts t = (Texts) inputs;
                clip.encoder().texts(todo.stream().map(t.texts()::get).toList(), settings.encoding(),
                        p -> t.source() + ": line " + t.lineNumbers()[todo.get(p)], listener, sink);
            }
            return write(inputs, settings, out, cache, keys, skipped);
        }
    }

    /** The rows of the inputs that have an embedding, in input order, normalised if asked, then the .npy and the sidecar. */
    private EmbedSidecar write(Inputs inputs, Settings settings, Path out, EmbeddingCache cache, byte[][] keys, List<String> skipped) {
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

        EmbedSidecar sidecar = new EmbedSidecar(inputs instanceof Images ? "images" : "texts", clip.label(), clip.model().checkpoint().path().toString(),
                clip.model().checkpoint().format().id, clip.checkpointSha256(), clip.model().config().describe(),
                inputs instanceof Images ? EmbedSidecar.Preprocess.of(clip.presetName(), clip.preprocessor().config()) : null,
                inputs instanceof Texts ? new EmbedSidecar.Tokenizer(clip.vocabFile().toString(), clip.model().config().contextLength(),
                        settings.encoding().truncate()) : null,
                settings.normalize(), "float32", inputs.source().toString(), List.of(rows, dim), rows, order, List.copyOf(skipped));
        Npy.writeFloats(out, data, rows, dim);
        AtomicFiles.writeString(sidecarPath(out), JsonFiles.pretty(sidecar));
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

    /** Each image file's SHA-256; a missing or unreadable file stops the run, or with SKIP is reported and gets no key. */
    private byte[][] imageKeys(List<Path> paths, OnError onError, List<String> skipped) {
        byte[][] keys = new byte[paths.size()][];
        String[] problems = new String[paths.size()];
        IntStream.range(0, paths.size()).parallel().forEach(i -> {
            Path p = paths.get(i);
            if (!Files.isRegularFile(p)) problems[i] = p + ": no such file";
            else {
                try {
                    keys[i] = Checksums.digest(p);
                } catch (ClipMatchException e) {
                    problems[i] = e.getMessage();
                }
            }
        });
        for (String problem : problems) {
            if (problem == null) continue;
            if (onError == OnError.FAIL) throw new ClipMatchException(problem);
            err.println("embed: skipped " + problem);
            skipped.add(problem);
        }
        return keys;
    }

    private static byte[][] textKeys(List<String> texts) {
        return texts.stream().map(CacheKeys::text).toArray(byte[][]::new);
    }

    /** OUT.npy -> OUT.json; any other name gets .json appended. */
    public static Path sidecarPath(Path out) {
        String name = out.getFileName().toString();
        return out.resolveSibling(name.endsWith(".npy") ? name.substring(0, name.length() - 4) + ".json" : name + ".json");
    }
}
