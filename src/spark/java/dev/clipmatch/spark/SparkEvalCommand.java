package dev.clipmatch.spark;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.eval.EvalReport;
import dev.clipmatch.eval.Evaluation;
import dev.clipmatch.io.AtomicFiles;
import dev.clipmatch.io.JsonFiles;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code clipmatch spark eval}: {@code eval}'s exact recall and JSON, computed block by block on Spark. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Exact Recall@K, mean and median rank in both directions on Spark; the result equals 'clipmatch eval' on the same data.",
            "Inputs: .npy files (as eval's) or Parquet tables written by 'clipmatch spark embed' (columns id, embedding; captions also image_id)."})
public final class SparkEvalCommand implements Callable<Integer> {
    @Option(names = "--image-embeddings", required = true, paramLabel = "I.npy|TABLE", description = "Image embeddings: [images, dim] .npy, or a Parquet table.")
    Path images;

    @Option(names = "--text-embeddings", required = true, paramLabel = "T.npy|TABLE", description = "Caption embeddings: [captions, dim] .npy, or a Parquet table.")
    Path texts;

    @Option(names = "--text-image", paramLabel = "G.npy",
            description = "Caption -> image index (int32/int64). Default: the caption table's image_id column, else caption c belongs to image c / (captions / images).")
    Path textImage;





    @Option(names = "--image-blocks", paramLabel = "N", description = "Row blocks of the images (default: the cluster's default parallelism).")
    Integer imageBlocks;

    @Option(names = "--text-blocks", paramLabel = "N", description = "Row blocks of the captions (default: the cluster's default parallelism). Tasks = image blocks x caption blocks.")
    Integer textBlocks;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the report as JSON (eval's schema).")
    Path json;

    @Option(names = "--csv", paramLabel = "FILE", description = "Write the report as CSV, one row per metric.")
    Path csv;

    @Mixin
    SparkMain.ProtocolOptions protocol;

    @Mixin
    SparkMain.SparkOptions spark;

    @Override
    public Integer call() {
        protocol.check();
        Evaluation result = evaluate(spark.session("eval")); // the session ends with the JVM (Spark's shutdown hook)
        System.out.print(EvalReport.table(result));
        if (json != null) AtomicFiles.writeString(json, JsonFiles.pretty(EvalReport.json(result)));
        if (csv != null) AtomicFiles.writeString(csv, EvalReport.csv(result));
        return 0;
    }

    Evaluation evaluate(SparkSession session) {
        int parallelism = JavaSparkContext.fromSparkContext(session.sparkContext()).defaultParallelism();
        int ib = imageBlocks != null ? imageBlocks : parallelism, tb = textBlocks != null ? textBlocks : parallelism;
        SparkMain.checkPositive("--image-blocks", ib);
        SparkMain.checkPositive("--text-blocks", tb);
        EmbeddingTables.Loaded in = EmbeddingTables.load(session, images, texts, textImage, ib, tb);
        for (int n : protocol.sampleImages) {
            if (n < 1 || n > in.nImages()) throw new ClipMatchException("--sample-images " + n + ": must be between 1 and the " + in.nImages() + " images");
        }
        DistributedRecall recall = new DistributedRecall(JavaSparkContext.fromSparkContext(session.sparkContext()), in.images(), in.captions(),
                in.nImages(), in.captionImage(), spark.threads);
        return recall.evaluate(protocol.ks, protocol.sampleImages, protocol.iterations, protocol.seed, System.err);
    }
}
