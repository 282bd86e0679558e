package dev.clipmatch.spark;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.InputFileException;
import dev.clipmatch.data.Dataset;
import dev.clipmatch.data.DatasetReader;
import dev.clipmatch.eval.EvalReport;
import dev.clipmatch.eval.Evaluation;
import dev.clipmatch.io.AtomicFiles;
import dev.clipmatch.eval.EvalJson;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.pipeline.OnError;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code clipmatch spark sweep}: a dataset encoded on Spark, then exact full-set and sampled recall, report files. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The study on Spark: encode a dataset's images and captions (Parquet tables in RUN_DIR/embeddings),",
            "then exact full-set and sampled recall in both directions: RUN_DIR/report.json (eval's schema plus \\\"run\\\"), report.md, report.csv."})
public final class SparkSweepCommand implements Callable<Integer> {
    /** report.json: eval's JSON plus "run", what the job did. */
    record Report(@JsonUnwrapped EvalJson evaluation, Map<String, Object> run) {}

    @Option(names = "--model", required = true, paramLabel = "M", description = "Registry name (in every executor's cache) or a checkpoint path visible to every executor.")
    String model;

    @Option(names = "--dataset", required = true, paramLabel = "FILE", description = "Karpathy-split JSON, Flickr .token, TSV or JSONL caption file.")
    Path dataset;

    @Option(names = "--images", paramLabel = "DIR", description = "Where the dataset's images are (default: the dataset's folder); a path every executor sees.")
    Path images;

    @Option(names = "--captions-per-image", paramLabel = "N", description = "Keep the first N captions of every image (COCO 5K: 5).")
    Integer captionsPerImage;





    @Option(names = "--out", required = true, paramLabel = "RUN_DIR", description = "Output directory.")
    Path out;

    @Option(names = "--on-error", defaultValue = "fail", paramLabel = "skip|fail", converter = SparkMain.OnErrorConverter.class,
            description = "An unreadable image fails the job (fail) or is left out with its captions (skip).")
    OnError onError;

    @Option(names = "--partitions", paramLabel = "N", description = "Encoding partitions (default: the cluster's default parallelism).")
    Integer partitions;

    @Option(names = "--blocks", paramLabel = "N", description = "Row blocks per side for recall (default: the cluster's default parallelism).")
    Integer blocks;

    @Option(names = "--batch-size", defaultValue = "0", paramLabel = "B", description = "Items per batch (default: 32 images, 128 texts).")
    int batchSize;






    @Mixin
    SparkMain.ProtocolOptions protocol;

    @Mixin
    SparkMain.EncodeOptions encode;

    @Mixin
    SparkMain.SparkOptions spark;

    @Override
    public Integer call() {
        protocol.check();
        OnError mode = onError;
        Dataset d = DatasetReader.read(dataset);
        if (captionsPerImage != null) d = d.firstCaptions(captionsPerImage);
        List<String> missing = new ArrayList<>();
        List<Path> paths = d.resolve(images != null ? images : dataset.toAbsolutePath().getParent(), missing);
        if (!missing.isEmpty() && mode == OnError.FAIL)
            throw new InputFileException(dataset + ": " + missing.size() + " images not found under " + images + ", e.g. " + missing.get(0));
        SparkSession session = spark.session("sweep"); // ends with the JVM (Spark's shutdown hook)
        int parallelism = JavaSparkContext.fromSparkContext(session.sparkContext()).defaultParallelism();
        long t0 = System.nanoTime();
        List<Row> imageRows = new ArrayList<>(), textRows = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) imageRows.add(RowFactory.create((long) i, paths.get(i).toAbsolutePath().toString()));
        for (int c = 0; c < d.captions().size(); c++) textRows.add(RowFactory.create((long) c, d.captions().get(c), d.captionImage()[c]));
        ExecutorModels.Spec spec = ExecutorModels.Spec.resolve(model, encode.cacheDir, encode.vocab, encode.preset, spark.threads);
        Path tables = out.resolve("embeddings");
        Map<String, Object> manifest = DistributedEmbed.write(session.createDataFrame(imageRows, DistributedEmbed.IMAGE_INPUT),
                session.createDataFrame(textRows, DistributedEmbed.TEXT_INPUT), spec,
                new DistributedEmbed.Settings(partitions != null ? partitions : parallelism, batchSize, encode.ioThreads, mode, encode.truncate), tables);
        double encodeSeconds = (System.nanoTime() - t0) / 1e9;

        // captions of skipped images are left out with them, as in sweep
        org.apache.spark.sql.Dataset<Row> imageTable = session.read().parquet(tables.resolve("images").toString());
        org.apache.spark.sql.Dataset<Row> textTable = session.read().parquet(tables.resolve("texts").toString())
                .join(imageTable.select(functions.col("id").as("image_id")), "image_id", "left_semi");
        int b = blocks != null ? blocks : parallelism;
        SparkMain.checkPositive("--blocks", b);
        EmbeddingTables.Loaded in = EmbeddingTables.fromTables(imageTable, tables.resolve("images").toString(), textTable, tables.resolve("texts").toString(),
                null, b, b);
        for (int n : protocol.sampleImages) {
            if (n < 1 || n > in.nImages()) throw new ClipMatchException("--sample-images " + n + ": must be between 1 and the " + in.nImages() + " images");
        }
        long t1 = System.nanoTime();
        Evaluation result = new DistributedRecall(JavaSparkContext.fromSparkContext(session.sparkContext()), in.images(), in.captions(), in.nImages(),
                in.captionImage(), spark.threads).evaluate(protocol.ks, protocol.sampleImages, protocol.iterations, protocol.seed, System.err);
        double evalSeconds = (System.nanoTime() - t1) / 1e9;

        Map<String, Object> run = new LinkedHashMap<>(manifest);
        run.put("dataset", dataset.toString());
        run.put("master", session.sparkContext().master());
        run.put("seconds", Map.of("encode", encodeSeconds, "eval", evalSeconds));
        AtomicFiles.writeString(out.resolve("report.json"), JsonFiles.pretty(new Report(EvalReport.json(result), run)));
        AtomicFiles.writeString(out.resolve("report.md"), EvalReport.markdown(d.name() + " (" + model + ", Spark)", result, null, null, List.of()));
        AtomicFiles.writeString(out.resolve("report.csv"), EvalReport.csv(result));
        System.out.print(EvalReport.table(result));
        return 0;
    }
}
