package dev.clipmatch.cli;

import dev.clipmatch.image.ImageBatch;
import dev.clipmatch.image.ImageBatchLoader;
import dev.clipmatch.image.ImagePreprocessor;
import dev.clipmatch.image.PreprocessConfig;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.io.Npy;
import dev.clipmatch.io.Progress;
import dev.clipmatch.pipeline.OnError;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code clipmatch preprocess}: CLIP's image preprocessing to a float32 .npy, for inspection and parity checks. */
@Command(name = "preprocess", mixinStandardHelpOptions = true,
        description = {"Decode and preprocess images exactly as CLIP's PIL pipeline does; write float32 .npy.",
            "One image gives [3, S, S]; several give [N, 3, S, S] in the given order (skipped images left out).",
            "Prints a JSON summary (shape, images, skipped files) on stdout."})
public final class PreprocessCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "image files (JPEG, PNG, BMP, WebP, TIFF, GIF)")
    List<Path> images;

    @Option(names = "--out", required = true, paramLabel = "FILE.npy", description = "output .npy (written atomically)")
    Path out;

    @Option(names = "--preset", defaultValue = "clip-224", paramLabel = "NAME",
            description = "preprocessing preset from models/preprocess (default: ${DEFAULT-VALUE})")
    String preset;

    @Option(names = "--size", paramLabel = "N", description = "output side in pixels, overriding the preset's")
    Integer size;

    @Option(names = "--threads", defaultValue = "2", paramLabel = "N", description = "decoding threads (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N", description = "images per loader batch (default: ${DEFAULT-VALUE})")
    int batchSize;

    @Mixin
    SharedOptions.OnErrorOption onErrorOption;

    @Override
    public Integer call() {
        OnError policy = onErrorOption.onError;
        PreprocessConfig config = PreprocessConfig.preset(preset);
        if (size != null) config = config.withSize(size);
        ImagePreprocessor preprocessor = new ImagePreprocessor(config);
        int length = preprocessor.tensorLength();
        if ((long) images.size() * length > Integer.MAX_VALUE - 8)
            throw new UserError("too many images for one .npy (" + images.size() + " at " + config.size() + " px); split the list");

        float[] all = new float[images.size() * length];
        int kept = 0;
        List<String> keptPaths = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        try (ImageBatchLoader loader = new ImageBatchLoader(images, preprocessor, batchSize, threads, policy == OnError.SKIP);
                Progress progress = new Progress(System.err, "preprocess", "images", images.size(), 1.0)) {
            for (ImageBatch batch : loader) {
                System.arraycopy(batch.pixels(), 0, all, kept * length, batch.count() * length);
                kept += batch.count();
                batch.paths().forEach(p -> keptPaths.add(p.toString()));
                for (String line : batch.skipped()) {
                    System.err.println("clipmatch: skipped " + line);
                    skipped.add(line);
                }
                if (images.size() > batchSize) progress.add(batch.count() + batch.skipped().size());
            }
        }
        if (kept == 0) throw new UserError("no image could be read (" + skipped.size() + " skipped)");
        long[] shape = images.size() == 1 ? new long[] {3, config.size(), config.size()} : new long[] {kept, 3, config.size(), config.size()};
        Npy.writeFloats(out, kept == images.size() ? all : Arrays.copyOf(all, kept * length), shape);

        System.out.println(JsonFiles.compact(new Summary(out.toString(), shape, preset, config.size(), keptPaths, skipped)));
        return 0;
    }

    /** The line printed on stdout. */
    record Summary(String out, long[] shape, String preset, int size, List<String> images, List<String> skipped) {}
}
