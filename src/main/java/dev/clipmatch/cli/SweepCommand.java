package dev.clipmatch.cli;

import dev.clipmatch.ClipMatch;
import dev.clipmatch.data.Dataset;
import dev.clipmatch.data.DatasetReader;
import dev.clipmatch.data.KnownDatasets;
import dev.clipmatch.eval.EvalReport;
import dev.clipmatch.pipeline.Sweep;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code clipmatch sweep}: the whole study on one dataset: encode (cached), full-set and sampled recall, reports. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The study on one dataset: encode (cached, resumable), recall on the full set and sampled protocol, reports.",
            "Writes RUN_DIR: report.json/.md/.csv, recall.png, the embeddings and index.json (for 'search')."})
public final class SweepCommand implements Callable<Integer> {
    static final int[] DEFAULT_SIZES = {10, 100, 1000};

    @Option(names = "--model", defaultValue = "ViT-B-32", paramLabel = "M", description = "Registry name or checkpoint path (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--dataset", defaultValue = "flickr30k", paramLabel = "flickr30k|coco|FILE",
            description = "A known test split (caption file in the cache, see fetch-data) or a caption file: Karpathy .json, .token, .tsv, .jsonl (default: ${DEFAULT-VALUE}).")
    String dataset;

    @Option(names = "--images", paramLabel = "DIR", description = "Image folder (default: the cache's folder for a known split, else the caption file's folder).")
    Path images;

    @Option(names = "--captions-per-image", paramLabel = "N", description = "Keep the first N captions per image (COCO's classic protocol: 5).")
    Integer captionsPerImage;

    @Option(names = "--sample-images", split = ",", paramLabel = "N", description = "Sampled protocol sizes (default: 10,100,1000, those not above the image count).")
    int[] sampleImages;

    @Mixin
    SharedOptions.ProtocolOptions protocol;

    @Option(names = "--out", paramLabel = "RUN_DIR", description = "Output folder (default: runs/<dataset>-<model>).")
    Path out;

    @Mixin
    SharedOptions.ComparisonOptions comparison;

    @Mixin
    SharedOptions.OnErrorOption onErrorOption;

    @Mixin
    SharedOptions.ThreadsOption threadsOption;

    @Mixin
    SharedOptions.EncoderOptions encoder;

    @Option(names = "--truncate", description = "Cut captions longer than the context (as clip.tokenize(truncate=True)).")
    boolean truncate;

    @Option(names = "--batch-size", defaultValue = "32", description = "Images per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--io-threads", defaultValue = "2", description = "Image decoding threads (default: ${DEFAULT-VALUE}).")
    int ioThreads;

    @Override
    public Integer call() {
        protocol.check();
        if (batchSize < 1 || ioThreads < 1) throw new UserError("--batch-size and --io-threads must be at least 1");
        if (comparison.fuse != null && comparison.similarity == null) throw new UserError("--fuse needs --similarity");
        comparison.check();
        Path cache = encoder.cacheDir.resolved();
        Dataset data;
        Path imageDir;
        Path asFile = Path.of(dataset);
        if (Files.isRegularFile(asFile)) {
            data = DatasetReader.read(asFile);
            imageDir = images != null ? images : asFile.toAbsolutePath().getParent();
        } else {
            KnownDatasets.Entry entry = KnownDatasets.require(dataset);
            Path captions = entry.captionsIn(cache);
            if (!Files.isRegularFile(captions))
                throw new UserError(entry.name() + " captions are not in the cache: run 'clipmatch fetch-data " + entry.name() + "' or put "
                        + entry.url() + " at " + captions);
            data = DatasetReader.read(captions);
            imageDir = images != null ? images : entry.imagesIn(cache);
            if (!Files.isDirectory(imageDir))
                throw new UserError(entry.name() + " images are not at " + imageDir + ": the images are not redistributable; get them from the"
                        + " dataset's authors and pass --images DIR");
        }
        if (captionsPerImage != null && captionsPerImage < 1) throw new UserError("--captions-per-image must be at least 1, got " + captionsPerImage);
        if (captionsPerImage != null) data = data.firstCaptions(captionsPerImage);
        int imageCount = data.images().size();
        int[] sizes = sampleImages != null ? sampleImages : Arrays.stream(DEFAULT_SIZES).filter(n -> n <= imageCount).toArray();
        for (int n : sizes) if (n < 1) throw new UserError("--sample-images: sizes must be at least 1, got " + n);
        for (int n : sizes) if (n > imageCount) throw new UserError("--sample-images " + n + " exceeds the " + imageCount + " images of " + data.name());
        ClipMatch clip = ClipMatch.load(model, encoder.options(threadsOption.checked()));
        Path runDir = out != null ? out : Path.of("runs", safe(data.name()) + "-" + safe(clip.label()));
        Sweep.Settings settings = new Sweep.Settings(protocol.ks, sizes, protocol.iterations, protocol.seed, onErrorOption.onError, batchSize, ioThreads, truncate, comparison.similarity, comparison.fuse);
        Sweep.Result r = new Sweep(clip, cache, System.err).run(data, imageDir, runDir, settings);
        System.out.print(EvalReport.table(r.evaluation()));
        System.out.printf("%nencoded %d images and %d captions (the rest from the cache); %d skipped%nreport: %s%n", r.imagesEncoded(), r.textsEncoded(),
                r.skipped().size(), runDir.resolve("report.md"));
        return 0;
    }

    private static String safe(String s) {
        String name = Path.of(s).getFileName().toString();
        return name.replaceAll("\\.(json|tsv|jsonl|token|txt|pt|safetensors)$", "").replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
