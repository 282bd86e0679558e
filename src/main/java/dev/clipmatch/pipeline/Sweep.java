package dev.clipmatch.pipeline;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.clipmatch.ClipMatch;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.ImageException;
import dev.clipmatch.InputFileException;
import dev.clipmatch.TextTooLongException;
import dev.clipmatch.data.Dataset;
import dev.clipmatch.eval.Comparison;
import dev.clipmatch.eval.EmbeddingSource;
import dev.clipmatch.eval.EvalInputs;
import dev.clipmatch.eval.EvalJson;
import dev.clipmatch.eval.EvalReport;
import dev.clipmatch.eval.Evaluation;
import dev.clipmatch.eval.Evaluator;
import dev.clipmatch.eval.MatrixSource;
import dev.clipmatch.eval.RecallPlot;
import dev.clipmatch.io.AtomicFiles;
import dev.clipmatch.io.EmbeddingCache;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.io.Npy;
import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.report.HtmlReport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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

    /** Runs the sweep into {@code outDir}, which is replaced as a whole only when every file is written ({@link RunFolder}). */
    public Result run(Dataset dataset, Path imagesDir, Path outDir, Settings s) {
        checkSettings(dataset, outDir, s);
        try (RunFolder folder = new RunFolder(outDir)) {
            try {
                Result result = run(dataset, imagesDir, folder, s);
                folder.commit();
                return result;
            } catch (RuntimeException | Error e) {
                folder.abandon();
                throw e;
            }
        }
    }

    private Result run(Dataset dataset, Path imagesDir, RunFolder outDir, Settings s) {
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
        checkImageFiles(dataset, paths, imagesDir);
        Map<String, byte[]> textKeyOf = textKeys(dataset, s.truncate());
        Path cacheDir = CacheKeys.dir(cacheRoot, clip);
        t = lap("read", t);

        int imagesEncoded;
        byte[][] imageKeys = new byte[paths.size()][];
        boolean[] unreadable = new boolean[paths.size()];
        List<List<String>> duplicates;
        try (EmbeddingCache cache = new EmbeddingCache(cacheDir.resolve("images.bin"), clip.dim())) {
            reportDamage(cache, cacheDir.resolve("images.bin"));
            imagesEncoded = encodeImages(cache, paths, imageKeys, s, unreadable, skipped);
            t = lap("encode_images", t);
            List<String> names = dataset.images();
            duplicates = DuplicateContent.groups(imageKeys, names::get);
            String notice = DuplicateContent.notice(duplicates, "image(s) of " + dataset.name() + " have");
            if (notice != null) err.println("clipmatch: notice: " + notice);
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
                reportDamage(textCache, cacheDir.resolve("texts.bin"));
                byte[][] textKeys = dataset.captions().stream().map(textKeyOf::get).toArray(byte[][]::new);
                textsEncoded = encodeTexts(textCache, dataset.captions(), textKeys, s);
                t = lap("encode_texts", t);
                float[] tx = new float[dataset.captions().size() * clip.dim()];
                for (int c = 0; c < textKeys.length; c++) System.arraycopy(textCache.get(textKeys[c]), 0, tx, c * clip.dim(), clip.dim());
                texts = new Embeddings(tx, textKeys.length, clip.dim());
            }
            t = lap("read_cache", t);
            Evaluation evaluation = writeAndEvaluate(dataset, paths, images, texts, outDir, s, skipped, duplicates, imagesEncoded, textsEncoded, t);
            return new Result(evaluation, imagesEncoded, textsEncoded, skipped, seconds);
        }
    }

    /** Writes every file of the run into {@code run}'s staging folder. */
    private Evaluation writeAndEvaluate(Dataset dataset, List<Path> paths, Embeddings images, Embeddings texts, RunFolder run, Settings s,
            List<String> skipped, List<List<String>> duplicates, int imagesEncoded, int textsEncoded, long t) {
        for (int n : s.sampleSizes()) {
            if (n > images.rows())
                throw new ClipMatchException("a sample of " + n + " images exceeds the " + images.rows() + " images of " + dataset.name() + " left after skipping");
        }
        Npy.writeFloats(run.file("image_embeddings.npy"), images.data(), images.rows(), images.dim());
        Npy.writeFloats(run.file("text_embeddings.npy"), texts.data(), texts.rows(), texts.dim());
        Npy.writeLongs(run.file("text_image.npy"), dataset.captionImage(), dataset.captionImage().length);
        SweepIndex index = new SweepIndex(clip.label(), clip.checkpointSha256(), clip.presetName(), dataset.name(),
                paths.stream().map(p -> p.toAbsolutePath().toString()).toList(), dataset.captions());
        AtomicFiles.writeString(run.file(SweepIndex.FILE), JsonFiles.pretty(index));
        t = lap("write_embeddings", t);

        EmbeddingSource source = new EmbeddingSource(images, texts, dataset.captionImage(), clip.backend());
        EvalJson report;
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
        RecallPlot.write(run.file("recall.png"), evaluation, title + ": recall vs sample size (mean ± std)");
        AtomicFiles.writeString(run.file("report.csv"), EvalReport.csv(evaluation));
        t = lap("report", t);
        SweepReport.Run info = new SweepReport.Run(clip.label(), clip.checkpointSha256(), dataset.name(), imagesEncoded, textsEncoded, skipped, duplicates, seconds);
        HtmlReport.write(run.file("report.html").getParent(), new HtmlReport.Inputs(title, dataset.images(), paths, dataset.captions(), dataset.captionImage(),
                images, texts, clip.model().logitScale(), clip.backend(), evaluation, comparison,
                s.similarity() == null ? null : s.similarity().getFileName().toString(),
                JsonFiles.mapper().convertValue(info, new TypeReference<LinkedHashMap<String, Object>>() {}), s.sampleSizes(), s.seed(), s.examples()));
        lap("html_report", t); // info.seconds is this map: report.json has the report's time too
        AtomicFiles.writeString(run.file("report.md"), markdown + (skipped.isEmpty() ? "" : "\nSkipped: " + String.join("; ", skipped) + "\n")
                + "\nRetrieved examples, failures and probability tables: [report.html](report.html)\n");
        AtomicFiles.writeString(run.file(RunFolder.COMMIT_FILE), JsonFiles.pretty(new SweepReport(report, info)));
        return evaluation;
    }

    private void reportDamage(EmbeddingCache cache, Path file) {
        if (cache.damagedRecords() > 0)
            err.println("clipmatch: notice: " + file + ": " + cache.damagedRecords() + " damaged record(s) ignored (bad checksum or NaN/Inf); their items are encoded again");
    }

    /** What can be checked before encoding is, so that a bad argument never costs an encoding run. */
    private static void checkSettings(Dataset dataset, Path outDir, Settings s) {
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) throw new ClipMatchException(outDir + ": exists and is not a directory; the run folder must be one");
        for (int n : s.sampleSizes()) {
            if (n > dataset.images().size())
                throw new ClipMatchException("a sample of " + n + " images exceeds the " + dataset.images().size() + " images of " + dataset.name());
        }
        if (s.similarity() != null) {
            long[] shape = Npy.header(s.similarity()).shape();
            if (shape.length != 2) throw new ClipMatchException(s.similarity() + ": expected a 2-D [images, captions] score matrix, found shape " + java.util.Arrays.toString(shape));
            // With skipped images the matrix must still be the full dataset's (its rows are dropped with them).
            if (s.onError() == OnError.FAIL && (shape[0] != dataset.images().size() || shape[1] != dataset.captions().size()))
                throw new ClipMatchException(s.similarity() + ": score matrix is " + shape[0] + " x " + shape[1] + " but " + dataset.name() + " has "
                        + dataset.images().size() + " images and " + dataset.captions().size() + " captions");
        }
    }

    /**
     * One file listed under two names would count as two images (and compete with itself): an error. A name
     * that leads outside the images folder ("../", absolute, a link) is allowed but said.
     */
    private void checkImageFiles(Dataset dataset, List<Path> paths, Path imagesDir) {
        Map<Path, Integer> byFile = new java.util.HashMap<>();
        List<String> outside = new ArrayList<>();
        Path root;
        try {
            root = imagesDir.toRealPath();
        } catch (IOException e) {
            root = imagesDir.toAbsolutePath().normalize();
        }
        for (int i = 0; i < paths.size(); i++) {
            Path real;
            try {
                real = paths.get(i).toRealPath();
            } catch (IOException e) {
                continue;  // missing files were handled before; a file that vanished now fails when it is read
            }
            Integer first = byFile.putIfAbsent(real, i);
            if (first != null)
                throw new ClipMatchException(dataset.name() + ": images " + dataset.images().get(first) + " and " + dataset.images().get(i) + " are the same file ("
                        + real + "); list each image once");
            if (!real.startsWith(root)) outside.add(dataset.images().get(i));
        }
        if (!outside.isEmpty())
            err.println("clipmatch: notice: " + outside.size() + " image(s) of " + dataset.name() + " lie outside " + imagesDir + ": "
                    + String.join(", ", outside.subList(0, Math.min(5, outside.size()))) + (outside.size() > 5 ? ", ..." : ""));
    }

    /**
     * Each distinct caption's cache key ({@link CacheKeys#tokens}). A caption longer than the context (without
     * truncation) is an error naming it, raised before anything is encoded.
     */
    private Map<String, byte[]> textKeys(Dataset dataset, boolean truncate) {
        int ctx = clip.model().config().contextLength();
        Map<String, byte[]> keys = new java.util.HashMap<>();
        for (int c = 0; c < dataset.captions().size(); c++) {
            String caption = dataset.captions().get(c);
            if (keys.containsKey(caption)) continue;
            int[] ids;
            try {
                ids = clip.tokenizer().encode(caption, ctx, truncate);
            } catch (TextTooLongException e) {
                throw new TextTooLongException(dataset.name() + ": caption " + c + " (of image " + dataset.images().get((int) dataset.captionImage()[c])
                        + "): " + e.getMessage(), e);
            }
            keys.put(caption, CacheKeys.tokens(ids));
        }
        return keys;
    }

    /**
     * Reads every image once: its key is the SHA-256 of the bytes read, and only content the cache lacks is decoded
     * and encoded, batch by batch (each batch is on disk before the next starts). Fills {@code keys} (null for an
     * image skipped, which is marked {@code unreadable}); returns how many were encoded.
     */
    private int encodeImages(EmbeddingCache cache, List<Path> paths, byte[][] keys, Settings s, boolean[] unreadable, List<String> skipped) {
        Encoder.ContentRead read = clip.encoder().imagesIntoCache(paths, encoderSettings(s, s.batchSize()), cache,
                EncodeListener.progress(err, "encoding images", "images"));
        skipped.addAll(read.skipped());
        for (int i = 0; i < paths.size(); i++) {
            keys[i] = read.sha256()[i];
            unreadable[i] = keys[i] == null;
        }
        return read.encoded();
    }

    /** Encodes the captions the cache lacks (each distinct caption once). */
    private int encodeTexts(EmbeddingCache cache, List<String> captions, byte[][] keys, Settings s) {
        List<Integer> todo = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int c = 0; c < captions.size(); c++) {
            if (cache.get(keys[c]) == null && seen.add(new String(keys[c], StandardCharsets.ISO_8859_1))) todo.add(c);
        }
        if (todo.isEmpty()) return 0;
        clip.encoder().texts(todo.stream().map(captions::get).toList(), encoderSettings(s, Encoder.DEFAULT_TEXT_BATCH), i -> "caption " + (todo.get(i) + 1),
                EncodeListener.progress(err, "encoding captions", "captions"),
                (positions, e) -> cache.putAll(Arrays.stream(positions).mapToObj(i -> keys[todo.get(i)]).toArray(byte[][]::new), e));
        return todo.size();
    }

    private static Encoder.Settings encoderSettings(Settings s, int batchSize) {
        return new Encoder.Settings(batchSize, s.ioThreads(), s.onError(), s.truncate());
    }
}
