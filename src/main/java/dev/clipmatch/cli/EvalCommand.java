package dev.clipmatch.cli;

import dev.clipmatch.eval.Comparison;
import dev.clipmatch.eval.EmbeddingSource;
import dev.clipmatch.eval.EvalInputs;
import dev.clipmatch.eval.EvalReport;
import dev.clipmatch.eval.Evaluation;
import dev.clipmatch.eval.Evaluator;
import dev.clipmatch.eval.MatrixSource;
import dev.clipmatch.eval.ScoreSource;
import dev.clipmatch.io.AtomicFiles;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.io.Npy;
import dev.clipmatch.kernels.Backends;
import dev.clipmatch.kernels.CpuBackend;
import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.kernels.ScoreBackend;
import dev.clipmatch.pipeline.EmbedSidecar;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code clipmatch eval}: exact Recall@K of a retrieval result, full set and sampled protocols, both directions. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Recall@K, mean and median rank in both directions, from embeddings or a score matrix.",
            "Full set and the sampled protocol (N images with all their captions, repeated); comparison with another model's scores."})
public final class EvalCommand implements Callable<Integer> {

    static final class EmbeddingFiles {
        @Option(names = "--image-embeddings", paramLabel = "I.npy", required = true, description = "Image embeddings [images, dim], float32 or float16.")
        Path images;

        @Option(names = "--text-embeddings", paramLabel = "T.npy", required = true, description = "Caption embeddings [captions, dim], float32 or float16.")
        Path texts;
    }

    @ArgGroup(exclusive = false)
    EmbeddingFiles embeddings;

    @Mixin
    SharedOptions.ComparisonOptions comparison;

    @Option(names = "--text-image", paramLabel = "G.npy",
            description = "Caption -> image index (int32/int64). Default: caption c belongs to image c / (captions / images).")
    Path textImage;

    @Mixin
    SharedOptions.ProtocolOptions protocol;

    @Option(names = "--sample-images", split = ",", paramLabel = "N", description = "Sampled protocol sizes, e.g. 10 or 10,100,1000.")
    int[] sampleImages = new int[0];

    @Option(names = "--json", paramLabel = "FILE", description = "Write the report as JSON.")
    Path json;

    @Option(names = "--csv", paramLabel = "FILE", description = "Write the report as CSV, one row per metric.")
    Path csv;

    @Mixin
    SharedOptions.DeviceOption deviceOption;

    @Mixin
    SharedOptions.ThreadsOption threadsOption;

    private ScoreBackend backend;

    @Override
    public Integer call() {
        protocol.check();
        if (embeddings == null && comparison.similarity == null)
            throw new UserError("give --image-embeddings and --text-embeddings, or --similarity, or both");
        if (comparison.fuse != null && (embeddings == null || comparison.similarity == null)) throw new UserError("--fuse needs both embeddings and --similarity");
        comparison.check();
        if (threadsOption.checked() > 0) CpuBackend.setThreads(threadsOption.threads);
        EmbeddingSource clip = embeddings == null ? null : loadEmbeddings();
        MatrixSource other = comparison.similarity == null ? null : loadMatrix(clip);
        ScoreSource primary = clip != null ? clip : other;
        for (int n : sampleImages) {
            if (n < 1 || n > primary.images())
                throw new UserError("--sample-images " + n + ": must be between 1 and the " + primary.images() + " images");
        }
        if (clip != null && other != null) {
            Comparison c = Comparison.run(clip, other, comparison.fuse, protocol.ks, sampleImages, protocol.iterations, protocol.seed, System.err);
            System.out.print("CLIP (embeddings)\n" + EvalReport.table(c.clip()));
            System.out.print("\nExternal (" + comparison.similarity.getFileName() + ")\n" + EvalReport.table(c.external()));
            if (c.fused() != null) System.out.print("\nFused, weight " + comparison.fuse + "\n" + EvalReport.table(c.fused()));
            if (!c.paired().isEmpty()) System.out.print("\n" + EvalReport.comparisonMarkdown(c.paired(), "other"));
            if (json != null) AtomicFiles.writeString(json, JsonFiles.pretty(c.json()));
            if (csv != null) AtomicFiles.writeString(csv, EvalReport.csv(c.clip()));
            return 0;
        }
        Evaluation result = Evaluator.evaluate(primary, protocol.ks, sampleImages, protocol.iterations, protocol.seed, System.err);
        System.out.print(EvalReport.table(result));
        if (json != null) AtomicFiles.writeString(json, JsonFiles.pretty(EvalReport.json(result)));
        if (csv != null) AtomicFiles.writeString(csv, EvalReport.csv(result));
        return 0;
    }

    private EmbeddingSource loadEmbeddings() {
        EmbedSidecar.checkPair(embeddings.images);
        EmbedSidecar.checkPair(embeddings.texts);
        Embeddings im = EvalInputs.embeddings(embeddings.images);
        Embeddings tx = EvalInputs.embeddings(embeddings.texts);
        if (im.dim() != tx.dim())
            throw new UserError(embeddings.images + " has dimension " + im.dim() + " but " + embeddings.texts + " has " + tx.dim());
        long[] map = mapping(im.rows(), tx.rows());
        return new EmbeddingSource(im, tx, map, backend());
    }

    private MatrixSource loadMatrix(EmbeddingSource clip) {
        Npy.FloatArray s = EvalInputs.similarity(comparison.similarity);
        int n = (int) s.shape()[0], m = (int) s.shape()[1];
        if (clip != null && (n != clip.images() || m != clip.captions()))
            throw new UserError(comparison.similarity + ": score matrix is " + n + " x " + m + " but the embeddings have " + clip.images() + " images and "
                    + clip.captions() + " captions");
        return new MatrixSource(s.data(), n, m, clip != null ? clip.captionImage() : mapping(n, m), backend());
    }

    /** The device's kernels, chosen once (the choice may print a notice). */
    private ScoreBackend backend() {
        if (backend == null) backend = Backends.select(deviceOption.spelling(), System.err);
        return backend;
    }

    private long[] mapping(int images, int captions) {
        if (textImage == null) return EvalInputs.defaultCaptionImage(images, captions);
        return EvalInputs.captionImage(textImage, images, captions);
    }
}
