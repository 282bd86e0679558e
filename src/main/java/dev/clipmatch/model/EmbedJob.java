package dev.clipmatch.model;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.image.ImageBatch;
import dev.clipmatch.image.ImageBatchLoader;
import dev.clipmatch.image.ImagePreprocessor;
import dev.clipmatch.image.OnError;
import dev.clipmatch.image.PreprocessConfig;
import dev.clipmatch.io.AtomicFiles;
import dev.clipmatch.io.Json;
import dev.clipmatch.io.Npy;
import dev.clipmatch.io.Progress;
import dev.clipmatch.tokenizer.ClipTokenizer;
import dev.clipmatch.tokenizer.TokenBatch;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Embeds a list of images or texts into a float32 [N, D] .npy plus a JSON sidecar. Work is cut into shards
 * written to {@code OUT.parts/} as they complete; a rerun with the same inputs and settings keeps the finished
 * shards (resume after an interruption). The final .npy and sidecar are written atomically, then the shards removed.
 */
public final class EmbedJob {
    /** The inputs: image paths, or texts with their 1-based line numbers. */
    public sealed interface Inputs permits Images, Texts {
        int size();

        /** The list file, directory or text file the inputs came from. */
        Path source();
    }

    public record Images(Path source, List<Path> paths, ImagePreprocessor preprocessor, String presetName, OnError onError, int ioThreads)
            implements Inputs {
        public int size() {
            return paths.size();
        }
    }

    public record Texts(Path source, List<String> texts, int[] lineNumbers, ClipTokenizer tokenizer, Path tokenizerFile, boolean truncate)
            implements Inputs {
        public int size() {
            return texts.size();
        }
    }

    public record Settings(int batchSize, boolean normalize, int shardSize) {}

    /** Items per resumable shard of {@code embed} (texts are sorted by length within a shard for batching). */
    public static final int DEFAULT_SHARD_SIZE = 4096;

    /** What a shard yields: embeddings of the kept items, their labels in order, and skipped-item messages. */
    private record Shard(float[] embeddings, List<Object> order, List<String> skipped) {}

    private final ClipModel model;
    private final String modelLabel;
    private final String checkpointSha;
    private final PrintStream err;

    public EmbedJob(ClipModel model, String modelLabel, String checkpointSha, PrintStream err) {
        this.model = model;
        this.modelLabel = modelLabel;
        this.checkpointSha = checkpointSha;
        this.err = err;
    }

    /** Runs the job; returns the sidecar's content. */
    public Map<String, Object> run(Inputs inputs, Settings settings, Path out) {
        int n = inputs.size();
        if (n == 0) throw new ClipMatchException(inputs.source() + ": no inputs to embed");
        int dim = model.config().embedDim();
        if ((long) n * dim > Integer.MAX_VALUE - 8) throw new ClipMatchException("too many inputs for one output (" + n + " x " + dim + "); split the list");
        Path parts = out.resolveSibling(out.getFileName() + ".parts");
        Map<String, Object> manifest = manifest(inputs, settings);
        int shards = (n + settings.shardSize() - 1) / settings.shardSize();
        boolean[] done = prepareParts(parts, manifest, shards);

        String unit = inputs instanceof Images ? "images" : "texts";
        Progress progress = new Progress(err, "embed", unit, n, 2.0);
        long already = 0;
        for (int s = 0; s < shards; s++) if (done[s]) already += shardLength(s, n, settings.shardSize());
        if (already > 0) err.printf("embed: resuming, %d of %d %s already done in %s%n", already, n, unit, parts);
        progress.resumedFrom(already);
        long[] progressed = {already};
        for (int s = 0; s < shards; s++) {
            if (done[s]) continue;
            int from = s * settings.shardSize(), to = Math.min(n, from + settings.shardSize());
            Shard shard = inputs instanceof Images img ? images(img, from, to, settings, progress, progressed) : texts((Texts) inputs, from, to, settings, progress, progressed);
            writeShard(parts, s, shard, dim);
        }

        Map<String, Object> sidecar = sidecar(inputs, settings, unit);
        float[] all = concatenateShards(parts, shards, dim, sidecar);
        Npy.writeFloats(out, all, all.length / dim, dim);
        AtomicFiles.writeString(sidecarPath(out), Json.pretty(sidecar));
        deleteTree(parts);
        return sidecar;
    }

    /** All shards' embeddings in order; fills the sidecar's shape, count, order and skipped from their metadata. */
    private static float[] concatenateShards(Path parts, int shards, int dim, Map<String, Object> sidecar) {
        List<Object> order = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<float[]> chunks = new ArrayList<>();
        int rows = 0;
        for (int s = 0; s < shards; s++) {
            Map<String, Object> meta = readJson(shardMeta(parts, s));
            order.addAll((List<?>) meta.get("order"));
            for (Object o : (List<?>) meta.get("skipped")) skipped.add(String.valueOf(o));
            float[] e = Npy.readFloats(shardData(parts, s)).data();
            chunks.add(e);
            rows += e.length / dim;
        }
        float[] all = new float[rows * dim];
        int at = 0;
        for (float[] c : chunks) {
            System.arraycopy(c, 0, all, at, c.length);
            at += c.length;
        }
        sidecar.put("shape", List.of(rows, dim));
        sidecar.put("count", rows);
        sidecar.put("order", order);
        sidecar.put("skipped", skipped);
        return all;
    }

    private Map<String, Object> sidecar(Inputs inputs, Settings settings, String unit) {
        Map<String, Object> sidecar = new LinkedHashMap<>();
        sidecar.put("kind", unit);
        sidecar.put("model", modelLabel);
        sidecar.put("checkpoint", model.checkpoint().path().toString());
        sidecar.put("checkpoint_format", model.checkpoint().format().id);
        sidecar.put("checkpoint_sha256", checkpointSha);
        sidecar.put("model_config", model.config().describe());
        if (inputs instanceof Images img) sidecar.put("preprocess", preprocess(img));
        else sidecar.put("tokenizer", tokenizer((Texts) inputs));
        sidecar.put("normalized", settings.normalize());
        sidecar.put("dtype", "float32");
        sidecar.put("input", inputs.source().toString());
        return sidecar;
    }

    /** OUT.npy -> OUT.json; any other name gets .json appended. */
    public static Path sidecarPath(Path out) {
        String name = out.getFileName().toString();
        return out.resolveSibling(name.endsWith(".npy") ? name.substring(0, name.length() - 4) + ".json" : name + ".json");
    }

    private Shard images(Images in, int from, int to, Settings settings, Progress progress, long[] progressed) {
        int dim = model.config().embedDim();
        float[] emb = new float[(to - from) * dim];
        List<Object> order = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        int rows = 0;
        try (ImageBatchLoader loader = new ImageBatchLoader(in.paths().subList(from, to), in.preprocessor(), settings.batchSize(), in.ioThreads(), in.onError())) {
            for (ImageBatch b : loader) {
                for (String s : b.skipped()) {
                    err.println("embed: skipped " + s);
                    skipped.add(s);
                }
                if (b.count() > 0) {
                    float[] e = model.encodeImages(b.pixels(), b.count());
                    if (settings.normalize()) normalizeRows(e, dim);
                    System.arraycopy(e, 0, emb, rows * dim, e.length);
                    rows += b.count();
                    for (Path p : b.paths()) order.add(p.toString());
                }
                progressed[0] += b.count() + b.skipped().size();
                progress.update(progressed[0]);
            }
        }
        return new Shard(Arrays.copyOf(emb, rows * dim), order, skipped);
    }

    /** Texts of similar length are batched together (sorted by token count), which makes trimming pay off. */
    private Shard texts(Texts in, int from, int to, Settings settings, Progress progress, long[] progressed) {
        int ctx = model.config().contextLength();
        int count = to - from;
        TokenBatch tokens;
        try {
            tokens = in.tokenizer().batch(in.texts().subList(from, to), ctx, in.truncate());
        } catch (ClipMatchException e) {
            throw new ClipMatchException(in.source() + ": " + e.getMessage() + " (lines " + in.lineNumbers()[from] + ".." + in.lineNumbers()[to - 1] + ")");
        }
        float[] emb = encodeTexts(model, tokens, settings.batchSize(), settings.normalize(), rows -> {
            progressed[0] += rows;
            progress.update(progressed[0]);
        });
        List<Object> order = new ArrayList<>(count);
        for (int i = from; i < to; i++) order.add((long) in.lineNumbers()[i]);
        return new Shard(emb, order, List.of());
    }

    /**
     * Embeddings of one shard's tokenized texts, in their order, batched as {@code embed} batches them: sorted by
     * token count, {@code batchSize} at a time (batches of similar length make trimming pay off). Every caller that
     * must reproduce {@code embed}'s numbers (the Spark tasks) encodes through here.
     */
    public static float[] encodeTexts(ClipModel model, TokenBatch tokens, int batchSize, boolean normalize, IntConsumer encoded) {
        int dim = model.config().embedDim();
        int ctx = tokens.contextLength();
        int count = tokens.rows();
        Integer[] byLength = new Integer[count];
        for (int i = 0; i < count; i++) byLength[i] = i;
        Arrays.sort(byLength, (a, b) -> Integer.compare(tokens.lengths()[a], tokens.lengths()[b]));
        float[] emb = new float[count * dim];
        for (int start = 0; start < count; start += batchSize) {
            int rows = Math.min(batchSize, count - start);
            long[] ids = new long[rows * ctx];
            for (int r = 0; r < rows; r++) System.arraycopy(tokens.ids(), byLength[start + r] * ctx, ids, r * ctx, ctx);
            float[] e = model.encodeTexts(ids, rows, ctx);
            if (normalize) normalizeRows(e, dim);
            for (int r = 0; r < rows; r++) System.arraycopy(e, r * dim, emb, byLength[start + r] * dim, dim);
            encoded.accept(rows);
        }
        return emb;
    }

    static void normalizeRows(float[] e, int dim) {
        for (int r = 0; r < e.length / dim; r++) {
            double ss = 0;
            for (int i = 0; i < dim; i++) ss += (double) e[r * dim + i] * e[r * dim + i];
            float inv = (float) (1.0 / Math.max(Math.sqrt(ss), 1e-12));
            for (int i = 0; i < dim; i++) e[r * dim + i] *= inv;
        }
    }

    // ---------------------------------------------------------------- shards on disk

    private Map<String, Object> manifest(Inputs inputs, Settings settings) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("checkpoint_sha256", checkpointSha);
        m.put("normalize", settings.normalize());
        m.put("shard_size", (long) settings.shardSize());
        m.put("count", (long) inputs.size());
        MessageDigest md = Checksums.newDigest();
        if (inputs instanceof Images img) {
            m.put("kind", "images");
            m.put("preprocess", preprocess(img));
            m.put("on_error", img.onError().name().toLowerCase());
            for (Path p : img.paths()) md.update((p + "\n").getBytes(StandardCharsets.UTF_8));
        } else {
            Texts t = (Texts) inputs;
            m.put("kind", "texts");
            m.put("tokenizer", tokenizer(t));
            for (String s : t.texts()) md.update((s + "\n").getBytes(StandardCharsets.UTF_8));
        }
        m.put("inputs_sha256", HexFormat.of().formatHex(md.digest()));
        // through JSON text and back, so that it compares equal to a manifest read from disk
        return Json.parseObject(Json.write(m));
    }

    private boolean[] prepareParts(Path parts, Map<String, Object> manifest, int shards) {
        boolean[] done = new boolean[shards];
        Path file = parts.resolve("manifest.json");
        if (Files.isDirectory(parts)) {
            Map<String, Object> old = Files.isRegularFile(file) ? tryReadJson(file) : null;
            if (manifest.equals(old)) {
                for (int s = 0; s < shards; s++) done[s] = Files.isRegularFile(shardMeta(parts, s)) && Files.isRegularFile(shardData(parts, s));
                return done;
            }
            err.println("embed: discarding partial results in " + parts + " (made from other inputs or settings)");
            deleteTree(parts);
        }
        try {
            Files.createDirectories(parts);
        } catch (IOException e) {
            throw new ClipMatchException(parts + ": cannot create (" + e.getMessage() + ")");
        }
        AtomicFiles.writeString(file, Json.pretty(manifest));
        return done;
    }

    private static void writeShard(Path parts, int s, Shard shard, int dim) {
        Npy.writeFloats(shardData(parts, s), shard.embeddings(), shard.embeddings().length / dim, dim);
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("order", shard.order());
        meta.put("skipped", shard.skipped());
        AtomicFiles.writeString(shardMeta(parts, s), Json.write(meta)); // written last: marks the shard complete
    }

    private static int shardLength(int s, int n, int shardSize) {
        return Math.min(n, (s + 1) * shardSize) - s * shardSize;
    }

    private static Path shardData(Path parts, int s) {
        return parts.resolve(String.format("shard-%06d.npy", s));
    }

    private static Path shardMeta(Path parts, int s) {
        return parts.resolve(String.format("shard-%06d.json", s));
    }

    private static Map<String, Object> preprocess(Images img) {
        PreprocessConfig c = img.preprocessor().config();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("preset", img.presetName());
        m.put("size", c.size());
        m.put("resize_mode", c.resizeMode());
        m.put("interpolation", c.interpolation());
        m.put("crop", c.crop());
        m.put("mean", c.mean());
        m.put("std", c.std());
        return m;
    }

    private Map<String, Object> tokenizer(Texts t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vocabulary", t.tokenizerFile().toString());
        m.put("context_length", model.config().contextLength());
        m.put("truncate", t.truncate());
        return m;
    }

    private static Map<String, Object> readJson(Path file) {
        Map<String, Object> m = tryReadJson(file);
        if (m == null) throw new ClipMatchException(file + ": unreadable partial result; delete " + file.getParent() + " and run again");
        return m;
    }

    private static Map<String, Object> tryReadJson(Path file) {
        try {
            return Json.parseObject(Files.readString(file));
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new ClipMatchException(dir + ": cannot remove (" + e.getMessage() + ")");
        }
    }
}
