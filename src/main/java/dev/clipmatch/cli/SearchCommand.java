package dev.clipmatch.cli;

import dev.clipmatch.ClipMatch;
import dev.clipmatch.eval.EvalInputs;
import dev.clipmatch.io.AtomicFiles;
import dev.clipmatch.io.Json;
import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.kernels.ScoreBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    @SuppressWarnings("unchecked")
    public Integer call() {
        Path indexFile = index.resolve("index.json");
        Map<String, Object> meta;
        try {
            meta = Json.parseObject(Files.readString(indexFile));
        } catch (NoSuchFileException e) {
            throw new UserError(indexFile + ": no such file (is " + index + " the output folder of 'clipmatch sweep'?)");
        } catch (IOException | IllegalArgumentException e) {
            throw new UserError(indexFile + ": cannot read (" + e.getMessage() + ")");
        }
        ClipMatch clip = ClipMatch.load(model != null ? model : (String) meta.get("model"), encoder.options(null));
        if (!clip.checkpointSha256().equals(meta.get("checkpoint_sha256")))
            throw new UserError(index + " was built with checkpoint " + meta.get("checkpoint_sha256") + ", not " + clip.label() + " ("
                    + clip.checkpointSha256() + "); embeddings of different models are not comparable");
        boolean textQuery = query.text != null;
        Embeddings candidates = EvalInputs.embeddings(index.resolve(textQuery ? "image_embeddings.npy" : "text_embeddings.npy"));
        List<String> labels = (List<String>) meta.get(textQuery ? "images" : "captions");
        if (labels == null || labels.size() != candidates.rows())
            throw new UserError(indexFile + ": does not match " + (textQuery ? "image_embeddings.npy" : "text_embeddings.npy"));
        if (k < 1) throw new UserError("-k must be at least 1");
        Embeddings q = textQuery ? clip.encodeTexts(List.of(query.text), true) : clip.encodeImages(List.of(query.image));
        ScoreBackend.TopK top = clip.search(q, candidates, Math.min(k, candidates.rows()));
        List<Object> rows = new ArrayList<>();
        for (int r = 0; r < top.k(); r++) {
            int idx = (int) top.indices()[r];
            System.out.printf("%3d  %.4f  %s%n", r + 1, top.scores()[r], labels.get(idx));
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("rank", r + 1);
            row.put("index", idx);
            row.put("score", (double) top.scores()[r]);
            row.put(textQuery ? "image" : "caption", labels.get(idx));
            rows.add(row);
        }
        if (json != null) {
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("query", textQuery ? query.text : query.image.toString());
            root.put("results", rows);
            AtomicFiles.writeString(json, Json.pretty(root));
        }
        return 0;
    }
}
