package dev.clipmatch.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.clipmatch.ClipMatch;
import dev.clipmatch.eval.EvalInputs;
import dev.clipmatch.io.AtomicFiles;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.kernels.ScoreBackend;
import dev.clipmatch.pipeline.SweepIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code clipmatch search}: top-K images for a text, or captions for an image, from a sweep's cached embeddings. */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = "Retrieve from a sweep's RUN_DIR: the top-K images for a text, or the top-K captions for an image.")
public final class SearchCommand implements Callable<Integer> {
    @Option(names = "--index", required = true, paramLabel = "RUN_DIR", description = "Output folder of 'clipmatch sweep'.")
    Path index;

    static final class Query {
        @Option(names = "--text", paramLabel = "TEXT", description = "Find images for this text.")
        String text;

        @Option(names = "--image", paramLabel = "PATH", description = "Find captions for this image.")
        Path image;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Query query;

    @Option(names = {"-k", "--k"}, defaultValue = "10", description = "Results (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--model", paramLabel = "M", description = "Model (default: the one the index was built with).")
    String model;

    @Mixin
    SharedOptions.EncoderOptions encoder;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Override
    public Integer call() {
        Path indexFile = index.resolve(SweepIndex.FILE);
        if (!Files.isRegularFile(indexFile))
            throw new UserError(indexFile + ": no such file (is " + index + " the output folder of 'clipmatch sweep'?)");
        SweepIndex meta = JsonFiles.read(indexFile, SweepIndex.class);
        ClipMatch clip = ClipMatch.load(model != null ? model : meta.model(), encoder.options(null));
        if (!clip.checkpointSha256().equals(meta.checkpointSha256()))
            throw new UserError(index + " was built with checkpoint " + meta.checkpointSha256() + ", not " + clip.label() + " ("
                    + clip.checkpointSha256() + "); embeddings of different models are not comparable");
        boolean textQuery = query.text != null;
        Embeddings candidates = EvalInputs.embeddings(index.resolve(textQuery ? "image_embeddings.npy" : "text_embeddings.npy"));
        List<String> labels = textQuery ? meta.images() : meta.captions();
        if (labels == null || labels.size() != candidates.rows())
            throw new UserError(indexFile + ": does not match " + (textQuery ? "image_embeddings.npy" : "text_embeddings.npy"));
        if (k < 1) throw new UserError("-k must be at least 1");
        Embeddings q = textQuery ? clip.encodeTexts(List.of(query.text), true) : clip.encodeImages(List.of(query.image));
        ScoreBackend.TopK top = clip.search(q, candidates, Math.min(k, candidates.rows()));
        List<Hit> rows = new ArrayList<>();
        for (int r = 0; r < top.k(); r++) {
            int idx = (int) top.indices()[r];
            System.out.printf("%3d  %.4f  %s%n", r + 1, top.scores()[r], labels.get(idx));
            rows.add(new Hit(r + 1, idx, top.scores()[r], textQuery ? labels.get(idx) : null, textQuery ? null : labels.get(idx)));
        }
        if (json != null) {
            AtomicFiles.writeString(json, JsonFiles.pretty(new Result(textQuery ? query.text : query.image.toString(), rows)));
        }
        return 0;
    }

    /** The --json file. */
    record Result(String query, List<Hit> results) {}

    /** One result: an image for a text query, a caption for an image query. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Hit(int rank, int index, double score, String image, String caption) {}
}
