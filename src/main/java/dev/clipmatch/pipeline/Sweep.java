package dev.clipmatch.pipeline;

import dev.clipmatch.ClipMatch;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.ImageException;
import dev.clipmatch.InputFileException;
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
import dev.clipmatch.io.Checksums;
import dev.clipmatch.io.EmbeddingCache;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.io.Npy;
import dev.clipmatch.kernels.Embeddings;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * The study end to end: encode a dataset (through a content-addressed cache, so reruns are instant and
 * interrupted runs resume), evaluate recall on the full set and the sampled protocol, optionally against another
 * model's score matrix, and write RUN_DIR: embeddings, index.json, report.json/.md/.csv and recall.png.
 */
public final class Sweep {

    public record Settings(int[] ks, int[] sampleSizes, int iterations, long seed, OnError onError, int batchSize, int ioThreads,
            boolean truncate, Path similarity, Double fuse) {}

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
        Path cacheDir = CacheKeys.dir(cacheRoot, clip);
        t = lap("read", t);

        byte[][] imageKeys = Checksums.sha256Each(paths);
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
                byte[][] textKeys = dataset.captions().stream().map(CacheKeys::text).toArray(byte[][]::new);
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
        SweepIndex index = new SweepIndex(clip.label(), clip.checkpointSha256(), clip.presetName(), dataset.name(),
                paths.stream().map(p -> p.toAbsolutePath().toString()).toList(), dataset.captions());
        AtomicFiles.writeString(outDir.resolve(SweepIndex.FILE), JsonFiles.pretty(index));
        t = lap("write_embeddings", t);

        EmbeddingSource source = new EmbeddingSource(images, texts, dataset.captionImage(), clip.backend());
        EvalJson report;
        Evaluation evaluation;
        String markdown;
        String title = clip.label() + " on " + dataset.name();
        if (s.similarity() != null) {
            Npy.FloatArray sim = EvalInputs.similarity(s.similarity());
            if (sim.shape()[0] != images.rows() || sim.shape()[1] != texts.rows())
                throw new ClipMatchException(s.similarity() + ": score matrix is " + sim.shape()[0] + " x " + sim.shape()[1] + " but the run has "
                        + images.rows() + " images and " + texts.rows() + " captions" + (skipped.isEmpty() ? "" : " (after skipping " + skipped.size() + ")"));
            Comparison c = Comparison.run(source, new MatrixSource(sim.data(), images.rows(), texts.rows(), dataset.captionImage()), s.fuse(), s.ks(),
                    s.sampleSizes(), s.iterations(), s.seed(), err);
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
        lap("report", t);
        SweepReport.Run run = new SweepReport.Run(clip.label(), clip.checkpointSha256(), dataset.name(), imagesEncoded, textsEncoded, skipped, seconds);
        AtomicFiles.writeString(outDir.resolve("report.md"), markdown + (skipped.isEmpty() ? "" : "\nSkipped: " + String.join("; ", skipped) + "\n"));
        AtomicFiles.writeString(outDir.resolve("report.json"), JsonFiles.pretty(new SweepReport(report, run)));
        return evaluation;
    }

    /** Encodes the images the cache lacks, batch by batch (each batch is on disk before the next starts). */
    private int encodeImages(EmbeddingCache cache, List<Path> paths, byte[][] keys, Settings s, boolean[] unreadable, List<String> skipped) {
        List<Integer> todo = IntStream.range(0, paths.size()).filter(i -> cache.get(keys[i]) == null).boxed().toList();
        if (todo.isEmpty()) return 0;
        boolean[] encoded = new boolean[todo.size()];
        skipped.addAll(clip.encoder().images(todo.stream().map(paths::get).toList(), encoderSettings(s, s.batchSize()),
                EncodeListener.progress(err, "encoding images", "images"), (positions, e) -> {
                    byte[][] batchKeys = new byte[positions.length][];
                    for (int r = 0; r < positions.length; r++) {
                        batchKeys[r] = keys[todo.get(positions[r])];
                        encoded[positions[r]] = true;
                    }
                    cache.putAll(batchKeys, e);
                }));
        int count = 0;
        for (int i = 0; i < todo.size(); i++) {
            if (encoded[i]) count++;
            else unreadable[todo.get(i)] = true;
        }
        return count;
    }

    /** Encodes the captions the cache lacks (each distinct caption once). */
    private int encodeTexts(EmbeddingCache cache, List<String> captions, byte[][] keys, Settings s) {
        List<Integer> todo = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int c = 0; c < captions.size(); c++) {
            if (cache.get(keys[c]) == null && seen.add(captions.get(c))) todo.add(c);
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
