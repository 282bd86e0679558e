package dev.clipmatch.cli;

import dev.clipmatch.image.ImageBatch;
import dev.clipmatch.image.ImageBatchLoader;
import dev.clipmatch.image.ImagePreprocessor;
import dev.clipmatch.image.OnError;
import dev.clipmatch.image.PreprocessConfig;
import dev.clipmatch.io.Json;
import dev.clipmatch.io.Npy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
        List<Object> keptPaths = new ArrayList<>();
        List<Object> skipped = new ArrayList<>();
        long startNanos = System.nanoTime(), lastReport = startNanos;
        try (ImageBatchLoader loader = new ImageBatchLoader(images, preprocessor, batchSize, threads, policy)) {
            for (ImageBatch batch : loader) {
                System.arraycopy(batch.pixels(), 0, all, kept * length, batch.count() * length);
                kept += batch.count();
                batch.paths().forEach(p -> keptPaths.add(p.toString()));
                for (String line : batch.skipped()) {
                    System.err.println("clipmatch: skipped " + line);
                    skipped.add(line);
                }
                long now = System.nanoTime();
                if (images.size() > batchSize && now - lastReport > 1_000_000_000L) {
                    lastReport = now;
                    int done = batch.start() + batch.count() + batch.skipped().size();
                    double rate = done / ((now - startNanos) / 1e9);
                    System.err.printf("preprocess: %d/%d images, %.1f images/s, ETA %.0f s%n", done, images.size(), rate, (images.size() - done) / rate);
                }
            }
        }
        if (kept == 0) throw new UserError("no image could be read (" + skipped.size() + " skipped)");
        long[] shape = images.size() == 1 ? new long[] {3, config.size(), config.size()} : new long[] {kept, 3, config.size(), config.size()};
        Npy.writeFloats(out, kept == images.size() ? all : Arrays.copyOf(all, kept * length), shape);

        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("out", out.toString());
        summary.put("shape", shape);
        summary.put("preset", preset);
        summary.put("size", config.size());
        summary.put("images", keptPaths);
        summary.put("skipped", skipped);
        System.out.println(Json.write(summary));
        return 0;
    }
}
