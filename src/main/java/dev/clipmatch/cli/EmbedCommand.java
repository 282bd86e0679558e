package dev.clipmatch.cli;

import dev.clipmatch.ClipMatch;
import dev.clipmatch.image.OnError;
import dev.clipmatch.io.InputLists;
import dev.clipmatch.io.Json;
import dev.clipmatch.model.EmbedJob;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Encodes images or texts with a CLIP model into a float32 [N, D] .npy and a JSON sidecar. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Embed images or texts with a CLIP model: float32 [N, D] .npy plus a JSON sidecar (OUT.json).",
            "Interrupted runs resume from the shards in OUT.npy.parts/. Prints a JSON summary on stdout."})
public final class EmbedCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "M",
            description = "Registry name (see 'clipmatch models'; looked up in the cache) or a checkpoint: TorchScript .pt, .safetensors, or a Hugging Face directory.")
    String model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--images", paramLabel = "FILE|DIR",
                description = "A list file (one image path per line, relative to the list's folder; order kept) or a directory (its images, sorted by name).")
        Path images;

        @Option(names = "--texts", paramLabel = "FILE", description = "UTF-8 text file, one text per line.")
        Path texts;
    }

    @Option(names = "--out", required = true, paramLabel = "X.npy", description = "Output embeddings (the sidecar goes to X.json).")
    Path out;

    @Option(names = "--batch-size", defaultValue = "0", paramLabel = "B", description = "Items per batch (default: 32 images, 128 texts).")
    int batchSize;

    @Option(names = "--normalize", description = "L2-normalise every embedding.")
    boolean normalize;

    @Option(names = "--on-error", defaultValue = "fail", paramLabel = "skip|fail", description = "An unreadable image stops the run (fail) or is reported and left out (skip). Default: ${DEFAULT-VALUE}.")
    String onError;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "Encoding threads (default: one per core).")
    int threads;

    @Option(names = "--io-threads", defaultValue = "2", paramLabel = "N", description = "Image decoding threads (default: ${DEFAULT-VALUE}).")
    int ioThreads;

    @Option(names = "--preprocess", paramLabel = "PRESET", description = "Preprocessing preset (models/preprocess/); default: the registry's, else clip-<input size>.")
    String preset;

    @Option(names = "--vocab", paramLabel = "PATH", description = "Tokenizer vocabulary; default: next to the checkpoint, else in the cache.")
    Path vocab;

    @Option(names = "--truncate", description = "Cut texts longer than the context length instead of failing.")
    boolean truncate;

    @Option(names = "--cache-dir", paramLabel = "DIR", description = "Model cache (default: $CLIPMATCH_CACHE or ~/.cache/clipmatch).")
    Path cacheDir;

    @Option(names = "--shard-size", defaultValue = "4096", hidden = true, description = "Items per resumable shard.")
    int shardSize;

    @Override
    public Integer call() {
        if (batchSize < 0 || shardSize < 1) throw new UserError("--batch-size and --shard-size must be positive");
        if (threads < 0) throw new UserError("--threads must be at least 1");
        ClipMatch clip = ClipMatch.load(model, new ClipMatch.Options(cacheDir, vocab, preset, threads, "cpu"));
        EmbedJob.Inputs inputs = input.images != null ? images(clip) : texts(clip);
        int batch = batchSize > 0 ? batchSize : input.images != null ? 32 : 128;
        Map<String, Object> sidecar = new EmbedJob(clip.model(), clip.label(), clip.checkpointSha256(), System.err)
                .run(inputs, new EmbedJob.Settings(batch, normalize, shardSize), out);
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("out", out.toString());
        summary.put("sidecar", EmbedJob.sidecarPath(out).toString());
        summary.put("shape", sidecar.get("shape"));
        summary.put("skipped", ((List<?>) sidecar.get("skipped")).size());
        PrintWriter pw = spec.commandLine().getOut();
        pw.println(Json.write(summary));
        pw.flush();
        return 0;
    }

    private EmbedJob.Images images(ClipMatch clip) {
        if (ioThreads < 1) throw new UserError("--io-threads must be at least 1");
        return new EmbedJob.Images(input.images, InputLists.images(input.images), clip.preprocessor(), clip.presetName(), OnError.parse(onError), ioThreads);
    }

    private EmbedJob.Texts texts(ClipMatch clip) {
        List<String> lines = InputLists.lines(input.texts);
        int[] lineNumbers = new int[lines.size()];
        for (int i = 0; i < lineNumbers.length; i++) lineNumbers[i] = i + 1;
        return new EmbedJob.Texts(input.texts, lines, lineNumbers, clip.tokenizer(), clip.vocabFile(), truncate);
    }
}
