package dev.clipmatch.spark;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.InputFileException;
import dev.clipmatch.data.Dataset;
import dev.clipmatch.data.DatasetReader;
import dev.clipmatch.io.InputLists;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.pipeline.OnError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code clipmatch spark embed}: images and/or captions -> Parquet tables {@code OUT/images} (id, path, sha256,
 * embedding) and {@code OUT/texts} (id, text, sha256, image_id, embedding), skipped images in {@code OUT/skipped},
 * and {@code OUT/manifest.json}. Spark's commit protocol writes each partition once, whatever the retries.
 */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Embed images and/or captions on Spark, with the encoder of 'clipmatch embed', into Parquet tables under OUT:",
            "images (id, path, sha256, embedding), texts (id, text, sha256, image_id, embedding), skipped (id, path, error), manifest.json."})
public final class SparkEmbedCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "M", description = "Registry name (in the cache of every executor) or a checkpoint path visible to every executor.")
    String model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--images", paramLabel = "FILE|DIR", description = "Image list file (one path per line) or a directory of images.")
        Path images;

        @Option(names = "--texts", paramLabel = "FILE", description = "UTF-8 text file, one caption per line.")
        Path texts;

        @Option(names = "--dataset", paramLabel = "FILE", description = "A caption file that sweep reads (Karpathy JSON, .token, TSV, JSONL): its images and captions.")
        Path dataset;

        @Option(names = "--table", paramLabel = "PARQUET", description = "A Parquet table with a column path (images) and/or text (captions); optional id, image_id.")
        Path table;
    }

    @Option(names = "--image-dir", paramLabel = "DIR", description = "With --dataset: where its images are (default: the dataset's folder).")
    Path imageDir;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory of the tables.")
    Path out;

    @Option(names = "--batch-size", defaultValue = "0", paramLabel = "B", description = "Items per batch (default: 32 images, 128 texts).")
    int batchSize;

    @Option(names = "--partitions", paramLabel = "N", description = "Input partitions (default: the cluster's default parallelism).")
    Integer partitions;

    @Option(names = "--on-error", defaultValue = "fail", paramLabel = "skip|fail", converter = SparkMain.OnErrorConverter.class,
            description = "An unreadable image fails the job naming it (fail) or is listed in OUT/skipped (skip).")
    OnError onError;






    @Mixin
    SparkMain.EncodeOptions encode;

    @Mixin
    SparkMain.SparkOptions spark;

    /** Rows to encode: images (id, path) and captions (id, text, image_id); either may be empty. */
    record Work(List<Row> images, List<Row> texts) {}

    @Override
    public Integer call() {
        OnError mode = onError;
        SparkMain.checkPositive("--io-threads", encode.ioThreads);
        if (batchSize < 0) throw new ClipMatchException("--batch-size must be positive");
        SparkSession session = spark.session("embed");
        Map<String, Object> manifest = run(session, mode); // the session ends with the JVM (Spark's shutdown hook)
        System.out.println(JsonFiles.compact(manifest));
        return 0;
    }

    Map<String, Object> run(SparkSession session, OnError mode) {
        ExecutorModels.Spec spec = ExecutorModels.Spec.resolve(model, encode.cacheDir, encode.vocab, encode.preset, spark.threads);
        int parts = partitions != null ? partitions : session.sparkContext().defaultParallelism();
        SparkMain.checkPositive("--partitions", parts);
        org.apache.spark.sql.Dataset<Row> imageRows, textRows;
        if (input.table != null) {
            if (!Files.exists(input.table)) throw new InputFileException(input.table + ": no such table");
            org.apache.spark.sql.Dataset<Row> t = session.read().parquet(input.table.toString());
            List<String> cols = Arrays.asList(t.columns());
            if (!cols.contains("path") && !cols.contains("text")) throw new InputFileException(input.table + ": needs a column path or text, found " + cols);
            org.apache.spark.sql.Column id = cols.contains("id") ? functions.col("id").cast("long") : functions.monotonically_increasing_id();
            imageRows = cols.contains("path") ? t.filter(functions.col("path").isNotNull()).select(id.as("id"), functions.col("path")) : null;
            textRows = cols.contains("text") ? t.filter(functions.col("text").isNotNull()).select(id.as("id"), functions.col("text"),
                    (cols.contains("image_id") ? functions.col("image_id").cast("long") : functions.lit(null).cast("long")).as("image_id")) : null;
        } else {
            Work w = work();
            imageRows = w.images().isEmpty() ? null : session.createDataFrame(w.images(), DistributedEmbed.IMAGE_INPUT);
            textRows = w.texts().isEmpty() ? null : session.createDataFrame(w.texts(), DistributedEmbed.TEXT_INPUT);
        }
        return DistributedEmbed.write(imageRows, textRows, spec, new DistributedEmbed.Settings(parts, batchSize, encode.ioThreads, mode, encode.truncate), out);
    }

    private Work work() {
        List<Row> images = new ArrayList<>(), texts = new ArrayList<>();
        if (input.images != null) {
            List<Path> paths = InputLists.images(input.images);
            if (paths.isEmpty()) throw new InputFileException(input.images + ": no images");
            for (int i = 0; i < paths.size(); i++) images.add(RowFactory.create((long) i, paths.get(i).toAbsolutePath().toString()));
        } else if (input.texts != null) {
            List<String> lines = InputLists.lines(input.texts);
            if (lines.isEmpty()) throw new InputFileException(input.texts + ": no texts");
            for (int i = 0; i < lines.size(); i++) texts.add(RowFactory.create((long) i, lines.get(i), null));
        } else {
            Dataset d = DatasetReader.read(input.dataset);
            List<String> missing = new ArrayList<>();
            List<Path> paths = d.resolve(imageDir != null ? imageDir : input.dataset.toAbsolutePath().getParent(), missing);
            if (!missing.isEmpty() && onError == OnError.FAIL) throw new InputFileException(input.dataset + ": " + missing.size() + " images not found, e.g. " + missing.get(0));
            for (int i = 0; i < paths.size(); i++) images.add(RowFactory.create((long) i, paths.get(i).toAbsolutePath().toString()));
            for (int c = 0; c < d.captions().size(); c++) texts.add(RowFactory.create((long) c, d.captions().get(c), d.captionImage()[c]));
        }
        return new Work(images, texts);
    }
}
