package dev.clipmatch.pipeline;

import dev.clipmatch.ClipMatch;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.ImageException;
import dev.clipmatch.InputFileException;
import dev.clipmatch.data.Dataset;
import dev.clipmatch.eval.Comparison;
import dev.clipmatch.eval.EmbeddingSource;
import dev.clipmatch.eval.EvalInputs;
import dev.clipmatch.eval.EvalReport;
import dev.clipmatch.eval.Evaluation;
import dev.clipmatch.eval.Evaluator;
import dev.clipmatch.eval.MatrixSource;
import dev.clipmatch.eval.RecallPlot;
import dev.clipmatch.image.ImageBatch;
import dev.clipmatch.image.ImageBatchLoader;
import dev.clipmatch.image.OnError;
import dev.clipmatch.io.AtomicFiles;
import dev.clipmatch.io.EmbeddingCache;
import dev.clipmatch.io.Json;
import dev.clipmatch.io.Npy;
import dev.clipmatch.io.Progress;
import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.report.HtmlReport;
import dev.clipmatch.tokenizer.TokenBatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The study end to end: encode a dataset (through a content-addressed cache, so reruns are instant and
 * interrupted runs resume), evaluate recall on the full set and the sampled protocol, optionally against another
 * model's score matrix, and write RUN_DIR: embeddings, index.json, report.json/.md/.csv, recall.png and report.html.
 */
public final class Sweep {

    public record Settings(int[] ks, int[] sampleSizes, int iterations, long seed, OnError onError, int batchSize, int ioThreads,
            boolean truncate, Path similarity, Double fuse, int examples) {}

    /** What a run did: the evaluation, how much came from the cache, what was skipped, and where time went. */
    public record Result(Evaluation evaluation, int imagesEncoded, int textsEncoded, List<String> skipped, Map<String, Double> seconds) {}

    private final ClipMatch clip;
    private final Path cacheRoot;
    private final PrintStream err;
    private final Map<String, Double> seconds = new LinkedHashMap<>();

    public Sweep(ClipMatch clip, Path cacheRoot, PrintStream err) {
        this.clip = clip;
        this.cacheRoot = cacheRoot;
        this.err = err;
    }

    private long lap(String phase, long since) {
        long now = System.nanoTime();
        seconds.merge(phase, (now - since) / 1e9, Double::sum);
        return now;
    }

    public Result run(Dataset dataset, Path imagesDir, Path outDir, Settings s) {
        RecallPlot.warmUpInBackground(); // overlaps encoding
        HtmlReport.warmUpInBackground();
        long t = System.nanoTime();
        List<String> skipped = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        List<Path> paths = dataset.resolve(imagesDir, missing);
        if (!missing.isEmpty()) {
            String list = String.join(", ", missing.subList(0, Math.min(5, missing.size()))) + (missing.size() > 5 ? ", ..." : "");
            if (s.onError() == OnError.FAIL)
                throw new InputFileException(missing.size() + " image(s) of " + dataset.name() + " missing under " + imagesDir + ": " + list,
                        ClipMatchException.Remedy.SKIP_BAD_IMAGES);
            boolean[] drop = new boolean[dataset.images().size()];
            for (int i = 0; i < drop.length; i++) drop[i] = !Files.isRegularFile(paths.get(i));
            for (String m : missing) skipped.add(m + ": missing");
            err.println("clipmatch: skipping " + missing.size() + " missing image(s): " + list);
            dataset = dataset.without(drop);
            if (dataset.images().isEmpty()) throw new ClipMatchException("none of the images of " + dataset.name() + " is under " + imagesDir);
            paths = dataset.resolve(imagesDir, new ArrayList<>());
        }
        String modelKey = clip.checkpointSha256().substring(0, 16) + "-" + clip.presetName();
        Path cacheDir = cacheRoot.resolve("embeddings").resolve(modelKey);
        t = lap("read", t);

        byte[][] imageKeys = hashFiles(paths);
        t = lap("hash", t);
        int imagesEncoded;
        boolean[] unreadable = new boolean[paths.size()];
        try (EmbeddingCache cache = new EmbeddingCache(cacheDir.resolve("images.bin"), clip.dim())) {
            imagesEncoded = encodeImages(cache, paths, imageKeys, s, unreadable, skipped);
            t = lap("encode_images", t);
            boolean anyUnreadable = false;
            for (boolean u : unreadable) anyUnreadable |= u;
            if (anyUnreadable) {
                dataset = dataset.without(unreadable);
                List<byte[]> keep = new ArrayList<>();
                for (int i = 0; i < paths.size(); i++) if (!unreadable[i]) keep.add(imageKeys[i]);
                imageKeys = keep.toArray(new byte[0][]);
                paths = dataset.resolve(imagesDir, new ArrayList<>());
            }
            if (paths.isEmpty()) throw new ClipMatchException(dataset.name() + ": no readable image left (" + skipped.size() + " skipped)");
            float[] im = new float[paths.size() * clip.dim()];
            for (int i = 0; i < paths.size(); i++) System.arraycopy(cache.get(imageKeys[i]), 0, im, i * clip.dim(), clip.dim());
            Embeddings images = new Embeddings(im, paths.size(), clip.dim());
            t = lap("read_cache", t);

            Embeddings texts;
            int textsEncoded;
            try (EmbeddingCache textCache = new EmbeddingCache(cacheDir.resolve("texts.bin"), clip.dim())) {
                byte[][] textKeys = dataset.captions().stream().map(Sweep::textKey).toArray(byte[][]::new);
                textsEncoded = encodeTexts(textCache, dataset.captions(), textKeys, s);
                t = lap("encode_texts", t);
                float[] tx = new float[dataset.captions().size() * clip.dim()];
                for (int c = 0; c < textKeys.length; c++) System.arraycopy(textCache.get(textKeys[c]), 0, tx, c * clip.dim(), clip.dim());
                texts = new Embeddings(tx, textKeys.length, clip.dim());
            }
            t = lap("read_cache", t);
            Evaluation evaluation = writeAndEvaluate(dataset, paths, images, texts, outDir, s, skipped, imagesEncoded, textsEncoded, t);
            return new Result(evaluation, imagesEncoded, textsEncoded, skipped, seconds);
        }
    }

    private Evaluation writeAndEvaluate(Dataset dataset, List<Path> paths, Embeddings images, Embeddings texts, Path outDir, Settings s,
            List<String> skipped, int imagesEncoded, int textsEncoded, long t) {
        for (int n : s.sampleSizes()) {
            if (n > images.rows()) throw new ClipMatchException("sample size " + n + " exceeds the " + images.rows() + " images of " + dataset.name());
        }
        Npy.writeFloats(outDir.resolve("image_embeddings.npy"), images.data(), images.rows(), images.dim());
        Npy.writeFloats(outDir.resolve("text_embeddings.npy"), texts.data(), texts.rows(), texts.dim());
        Npy.writeLongs(outDir.resolve("text_image.npy"), dataset.captionImage(), dataset.captionImage().length);
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("model", clip.label());
        index.put("checkpoint_sha256", clip.checkpointSha256());
        index.put("preprocess", clip.presetName());
        index.put("dataset", dataset.name());
        index.put("images", paths.stream().map(p -> p.toAbsolutePath().toString()).toList());
        index.put("captions", dataset.captions());
        AtomicFiles.writeString(outDir.resolve("index.json"), Json.pretty(index));
        t = lap("write_embeddings", t);

        EmbeddingSource source = new EmbeddingSource(images, texts, dataset.captionImage(), clip.backend());
        Map<String, Object> report;
        Evaluation evaluation;
        Comparison comparison = null;
        String markdown;
        String title = clip.label() + " on " + dataset.name();
        if (s.similarity() != null) {
            Npy.FloatArray sim = EvalInputs.similarity(s.similarity());
            if (sim.shape()[0] != images.rows() || sim.shape()[1] != texts.rows())
                throw new ClipMatchException(s.similarity() + ": score matrix is " + sim.shape()[0] + " x " + sim.shape()[1] + " but the run has "
                        + images.rows() + " images and " + texts.rows() + " captions" + (skipped.isEmpty() ? "" : " (after skipping " + skipped.size() + ")"));
            Comparison c = Comparison.run(source, new MatrixSource(sim.data(), images.rows(), texts.rows(), dataset.captionImage()), s.fuse(), s.ks(),
                    s.sampleSizes(), s.iterations(), s.seed(), err);
            comparison = c;
            evaluation = c.clip();
            report = c.json();
            markdown = EvalReport.markdown(title, c.clip(), c.external(), s.similarity().getFileName().toString(), c.paired());
        } else {
            evaluation = Evaluator.evaluate(source, s.ks(), s.sampleSizes(), s.iterations(), s.seed(), err);
            report = EvalReport.json(evaluation);
            markdown = EvalReport.markdown(title, evaluation, null, null, List.of());
        }
        t = lap("evaluate", t);
        RecallPlot.write(outDir.resolve("recall.png"), evaluation, title + ": recall vs sample size (mean ± std)");
        AtomicFiles.writeString(outDir.resolve("report.csv"), EvalReport.csv(evaluation));
        t = lap("report", t);
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("model", clip.label());
        run.put("checkpoint_sha256", clip.checkpointSha256());
        run.put("dataset", dataset.name());
        run.put("images_encoded", imagesEncoded);
        run.put("texts_encoded", textsEncoded);
        run.put("skipped", skipped);
        run.put("seconds", seconds);
        report.put("run", run);
        HtmlReport.write(outDir, new HtmlReport.Inputs(title, dataset.images(), paths, dataset.captions(), dataset.captionImage(), images, texts,
                clip.model().logitScale(), clip.backend(), evaluation, comparison, s.similarity() == null ? null : s.similarity().getFileName().toString(),
                run, s.sampleSizes(), s.seed(), s.examples()));
        lap("html_report", t);
        AtomicFiles.writeString(outDir.resolve("report.md"), markdown + (skipped.isEmpty() ? "" : "\nSkipped: " + String.join("; ", skipped) + "\n")
                + "\nRetrieved examples, failures and probability tables: [report.html](report.html)\n");
        AtomicFiles.writeString(outDir.resolve("report.json"), Json.pretty(report));
        return evaluation;
    }

    /** Encodes the images the cache lacks, batch by batch (each batch is on disk before the next starts). */
    private int encodeImages(EmbeddingCache cache, List<Path> paths, byte[][] keys, Settings s, boolean[] unreadable, List<String> skipped) {
        List<Integer> todo = IntStream.range(0, paths.size()).filter(i -> cache.get(keys[i]) == null).boxed().toList();
        if (todo.isEmpty()) return 0;
        List<Path> todoPaths = todo.stream().map(paths::get).toList();
        int encoded = 0;
        try (ImageBatchLoader loader = new ImageBatchLoader(todoPaths, clip.preprocessor(), s.batchSize(), s.ioThreads(), s.onError());
                Progress progress = new Progress(err, "encoding images", "images", todo.size(), 2.0)) {
            for (ImageBatch b : loader) {
                float[] e = b.count() > 0 ? clip.model().encodeImages(b.pixels(), b.count()) : new float[0];
                byte[][] batchKeys = new byte[b.count()][];
                int kept = 0;
                for (int i = b.start(); i < Math.min(todo.size(), b.start() + s.batchSize()); i++) {
                    int global = todo.get(i);
                    if (kept < b.count() && b.paths().get(kept).equals(paths.get(global))) {
                        batchKeys[kept++] = keys[global];
                    } else {
                        unreadable[global] = true;
                    }
                }
                skipped.addAll(b.skipped());
                if (b.count() > 0) cache.putAll(batchKeys, e);
                encoded += b.count();
                progress.add(Math.min(todo.size(), b.start() + s.batchSize()) - b.start());
            }
        }
        return encoded;
    }

    /** Encodes the captions the cache lacks, in batches of similar token length (less padding to trim). */
    private int encodeTexts(EmbeddingCache cache, List<String> captions, byte[][] keys, Settings s) {
        int ctx = clip.model().config().contextLength();
        List<Integer> todo = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int c = 0; c < captions.size(); c++) {
            if (cache.get(keys[c]) == null && seen.add(captions.get(c))) todo.add(c);
        }
        if (todo.isEmpty()) return 0;
        int[] length = new int[captions.size()];
        for (int c : todo) length[c] = Math.min(ctx, clip.tokenizer().encode(captions.get(c)).length);
        todo.sort(Comparator.comparingInt(c -> length[c]));
        int batch = 128;
        try (Progress progress = new Progress(err, "encoding captions", "captions", todo.size(), 2.0)) {
            for (int start = 0; start < todo.size(); start += batch) {
                List<Integer> part = todo.subList(start, Math.min(todo.size(), start + batch));
                List<String> texts = part.stream().map(captions::get).toList();
                TokenBatch tb = clip.tokenizer().batch(texts, ctx, s.truncate());
                float[] e = clip.model().encodeTexts(tb.ids(), tb.rows(), tb.contextLength());
                cache.putAll(part.stream().map(c -> keys[c]).toArray(byte[][]::new), e);
                progress.add(part.size());
            }
        }
        return todo.size();
    }

    static byte[] textKey(String caption) {
        return sha256().digest(("text\0" + caption).getBytes(StandardCharsets.UTF_8));
    }

    /** SHA-256 of each file's bytes, two files at a time. */
    private static byte[][] hashFiles(List<Path> paths) {
        byte[][] out = new byte[paths.size()][];
        IntStream.range(0, paths.size()).parallel().forEach(i -> {
            MessageDigest md = sha256();
            byte[] buf = new byte[1 << 16];
            try (InputStream in = Files.newInputStream(paths.get(i))) {
                for (int r; (r = in.read(buf)) > 0; ) md.update(buf, 0, r);
            } catch (IOException e) {
                throw new ImageException(paths.get(i) + ": cannot read (" + e.getMessage() + ")");
            }
            out[i] = md.digest();
        });
        return out;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
