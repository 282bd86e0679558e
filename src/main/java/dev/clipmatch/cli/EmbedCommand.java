package dev.clipmatch.cli;

import dev.clipmatch.ClipMatch;
import dev.clipmatch.io.InputLists;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.io.OutputFiles;
import dev.clipmatch.pipeline.EmbedJob;
import dev.clipmatch.pipeline.EmbedSidecar;
import dev.clipmatch.pipeline.Encoder;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Encodes images or texts with a CLIP model into a float32 [N, D] .npy and a JSON sidecar. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {"Embed images or texts with a CLIP model: float32 [N, D] .npy plus a JSON sidecar (OUT.json).",
            "Encoding goes through the embedding cache that sweep uses, so interrupted runs resume. Prints a JSON summary on stdout."})
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

    @Mixin
    SharedOptions.OnErrorOption onErrorOption;

    @Mixin
    SharedOptions.ThreadsOption threadsOption;

    @Mixin
    SharedOptions.ArchOption archOption;

    @Mixin
    SharedOptions.VocabOption vocabOption;

    @Mixin
    SharedOptions.CacheDirOption cacheDirOption;

    @Option(names = "--io-threads", defaultValue = "2", paramLabel = "N", description = "Image decoding threads (default: ${DEFAULT-VALUE}).")
    int ioThreads;

    @Option(names = "--preprocess", paramLabel = "PRESET", description = "Preprocessing preset (models/preprocess/); default: the registry's, else clip-<input size>.")
    String preset;

    @Option(names = "--truncate", description = "Cut texts longer than the context length instead of failing.")
    boolean truncate;

    @Override
    public Integer call() {
        if (batchSize < 0) throw new UserError("--batch-size must be positive");
        if (ioThreads < 1) throw new UserError("--io-threads must be at least 1");
        ClipMatch clip = ClipMatch.load(model, new ClipMatch.Options(cacheDirOption.cacheDir, vocabOption.vocab, preset, threadsOption.checked(), "cpu", archOption.arch));
        EmbedJob.Inputs inputs = input.images != null ? new EmbedJob.Images(input.images, InputLists.images(input.images)) : texts();
        int batch = batchSize > 0 ? batchSize : input.images != null ? Encoder.DEFAULT_IMAGE_BATCH : Encoder.DEFAULT_TEXT_BATCH;
        EmbedJob.Settings settings = new EmbedJob.Settings(new Encoder.Settings(batch, ioThreads, onErrorOption.onError, truncate), normalize);
        List<Path> read = new ArrayList<>(List.of(input.images != null ? input.images : input.texts));
        if (inputs instanceof EmbedJob.Images images) read.addAll(images.paths());
        OutputFiles.refuseInput(out, read);
        OutputFiles.refuseInput(EmbedJob.sidecarPath(out), read);
        OutputFiles.refuseForeign(EmbedJob.sidecarPath(out), List.of("kind", "checkpoint_sha256", "shape"), "clipmatch embedding sidecar");
        EmbedSidecar sidecar = new EmbedJob(clip, cacheDirOption.resolved(), System.err).run(inputs, settings, out);
        PrintWriter pw = spec.commandLine().getOut();
        pw.println(JsonFiles.compact(new Summary(out.toString(), EmbedJob.sidecarPath(out).toString(), sidecar.shape(), sidecar.skipped().size())));
        pw.flush();
        return 0;
    }

    /** The line printed on stdout. */
    record Summary(String out, String sidecar, List<Integer> shape, int skipped) {}

    private EmbedJob.Texts texts() {
        List<String> lines = InputLists.lines(input.texts);
        int[] lineNumbers = new int[lines.size()];
        for (int i = 0; i < lineNumbers.length; i++) lineNumbers[i] = i + 1;
        return new EmbedJob.Texts(input.texts, lines, lineNumbers);
    }
}
