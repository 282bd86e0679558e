package dev.clipmatch.cli;

import dev.clipmatch.ClipMatch;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.data.Dataset;
import dev.clipmatch.data.DatasetReader;
import dev.clipmatch.data.KnownDatasets;
import dev.clipmatch.eval.EvalReport;
import dev.clipmatch.model.ModelCache;
import dev.clipmatch.model.PretrainedTags;
import dev.clipmatch.pipeline.Leaderboard;
import dev.clipmatch.pipeline.Sweep;
import dev.clipmatch.report.HtmlReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code clipmatch sweep}: the whole study on one dataset: encode (cached), full-set and sampled recall, reports. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"The study on one dataset: encode (cached, resumable), recall on the full set and sampled protocol, reports.",
            "Writes RUN_DIR: report.html (with thumbs/), report.json/.md/.csv, recall.png, the embeddings and index.json (for 'search').",
            "With several models and/or datasets (--model A,B --dataset X,Y): every pair, one RUN_DIR each under --out, and",
            "leaderboard.md/.csv/.json/.html there (R@K both directions and rsum per pair)."})
public final class SweepCommand implements Callable<Integer> {
    static final int[] DEFAULT_SIZES = {10, 100, 1000};

    @Option(names = "--model", defaultValue = "ViT-B-32", split = ",", paramLabel = "M",
            description = "Registry name, open_clip ARCH/TAG or checkpoint path; several, comma-separated, make a leaderboard (default: ${DEFAULT-VALUE}).")
    List<String> models;

    @Option(names = "--dataset", defaultValue = "flickr30k", split = ",", paramLabel = "flickr30k|coco|FILE",
            description = "A known test split (caption file in the cache, see fetch-data) or a caption file: Karpathy .json, .token, .tsv, .jsonl;"
                    + " several, comma-separated, make a leaderboard (default: ${DEFAULT-VALUE}).")
    List<String> datasets;

    @Option(names = "--images", paramLabel = "DIR", description = "Image folder (default: the cache's folder for a known split, else the caption file's folder).")
    Path images;

    @Option(names = "--captions-per-image", paramLabel = "N", description = "Keep the first N captions per image (COCO's classic protocol: 5).")
    Integer captionsPerImage;

    @Option(names = "--sample-images", split = ",", paramLabel = "N", description = "Sampled protocol sizes (default: 10,100,1000, those not above the image count).")
    int[] sampleImages;

    @Mixin
    SharedOptions.ProtocolOptions protocol;

    @Option(names = "--out", paramLabel = "RUN_DIR",
            description = "Output folder (default: runs/<dataset>-<model>); with several models or datasets the leaderboard's folder, holding one"
                    + " <dataset>-<model> RUN_DIR per pair (default: runs/leaderboard).")
    Path out;

    @Mixin
    SharedOptions.ComparisonOptions comparison;

    @Mixin
    SharedOptions.OnErrorOption onErrorOption;

    @Option(names = "--examples", defaultValue = "" + HtmlReport.DEFAULT_EXAMPLES, paramLabel = "N",
            description = "Queries per direction shown in report.html's retrieved examples and failure gallery, chosen by --seed (default: ${DEFAULT-VALUE}).")
    int examples;

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

    /** A dataset read and checked, with the sample sizes it allows. */
    private record Input(String name, Dataset data, Path imageDir, int[] sizes) {}

    @Override
    public Integer call() {
        protocol.check();
        if (examples < 0) throw new UserError("--examples must be at least 0, got " + examples);
        if (batchSize < 1 || ioThreads < 1) throw new UserError("--batch-size and --io-threads must be at least 1");
        if (comparison.fuse != null && comparison.similarity == null) throw new UserError("--fuse needs --similarity");
        comparison.check();
        if (captionsPerImage != null && captionsPerImage < 1) throw new UserError("--captions-per-image must be at least 1, got " + captionsPerImage);
        Path cache = encoder.cacheDir.resolved();
        if (models.size() == 1 && datasets.size() == 1) return single(models.get(0), input(datasets.get(0), cache), cache);
        if (comparison.similarity != null) throw new UserError("--similarity belongs to one model on one dataset; it cannot be used with several");
        return leaderboard(cache);
    }

    private int single(String model, Input in, Path cache) {
        ClipMatch clip = ClipMatch.load(model, encoder.options(threadsOption.checked()));
        Path runDir = out != null ? out : Path.of("runs", safe(in.data().name()) + "-" + safe(runName(clip.label())));
        Sweep.Result r = new Sweep(clip, cache, System.err).run(in.data(), in.imageDir(), runDir, settings(in));
        System.out.print(EvalReport.table(r.evaluation()));
        System.out.printf("%nencoded %d images and %d captions (the rest from the cache); %d skipped%nreport: %s%n", r.imagesEncoded(), r.textsEncoded(),
                r.skipped().size(), runDir.resolve("report.html"));
        return 0;
    }

    /**
     * Every model on every dataset, one RUN_DIR per pair under the root folder, and the merged leaderboard, rewritten
     * after each pair. What can be checked cheaply (datasets, sample sizes, that each model is known and downloaded)
     * is checked before anything is encoded; a pair that fails later is one line on stderr and in the leaderboard,
     * the other pairs still run, and the exit code is 2. A rerun re-evaluates every pair, its embeddings from the cache.
     */
    private int leaderboard(Path cache) {
        List<Input> inputs = new ArrayList<>();
        Map<String, String> datasetOf = new LinkedHashMap<>(); // run folder name part -> dataset argument
        for (String d : new LinkedHashSet<>(datasets)) {
            Input in = input(d, cache);
            String other = datasetOf.putIfAbsent(safe(in.data().name()), d);
            if (other != null) throw new UserError("--dataset " + other + " and " + d + " have the same name " + in.data().name() + "; rename one");
            inputs.add(in);
        }
        Map<String, String> labelOf = new LinkedHashMap<>(); // model argument -> its label (aliases of one model count once)
        Map<String, String> modelOf = new LinkedHashMap<>(); // run folder name part -> model argument
        for (String m : models) {
            String label = ModelCache.resolve(m, cache).label();
            if (labelOf.containsValue(label)) continue;
            String other = modelOf.putIfAbsent(safe(runName(label)), m);
            if (other != null) throw new UserError("--model " + other + " and " + m + " would share the run folder name " + safe(runName(label)) + "; rename one");
            labelOf.put(m, label);
        }
        List<String> uniqueModels = List.copyOf(labelOf.keySet());
        Path root = out != null ? out : Path.of("runs", "leaderboard");
        if (Files.exists(root) && !Files.isDirectory(root)) throw new UserError(root + ": exists and is not a directory; the leaderboard folder must be one");
        Leaderboard board = new Leaderboard(root, protocol.ks, inputs.stream().map(i -> i.data().name()).toList());
        int pairs = uniqueModels.size() * inputs.size(), done = 0;
        for (String m : uniqueModels) {
            ClipMatch clip;
            try {
                clip = ClipMatch.load(m, encoder.options(threadsOption.checked()));
            } catch (ClipMatchException e) {
                for (Input in : inputs) failed(board, m, in, e, ++done, pairs);
                board.write();
                continue;
            }
            for (Input in : inputs) {
                System.err.printf("sweep: pair %d/%d: %s on %s%n", ++done, pairs, clip.label(), in.data().name());
                Path runDir = root.resolve(safe(in.data().name()) + "-" + safe(runName(clip.label())));
                try {
                    Sweep.Result r = new Sweep(clip, cache, System.err).run(in.data(), in.imageDir(), runDir, settings(in));
                    board.add(clip.label(), in.data().name(), clip.checkpointSha256(), runDir, r.evaluation());
                } catch (ClipMatchException e) {
                    failed(board, clip.label(), in, e, done, pairs);
                }
                board.write();
            }
        }
        board.write();
        System.out.print(board.markdown());
        System.out.println("leaderboard: " + root.resolve(Leaderboard.HTML));
        if (board.failures().isEmpty()) return 0;
        System.err.println("clipmatch: " + board.failures().size() + " of " + pairs + " pairs failed (listed in " + root.resolve(Leaderboard.MARKDOWN)
                + "); the others are written");
        return 2;
    }

    private static void failed(Leaderboard board, String model, Input in, ClipMatchException e, int done, int pairs) {
        System.err.println("clipmatch: pair " + done + "/" + pairs + " (" + model + " on " + in.data().name() + ") failed: " + e.getMessage());
        board.fail(model, in.data().name(), e.getMessage());
    }

    private Sweep.Settings settings(Input in) {
        return new Sweep.Settings(protocol.ks, in.sizes(), protocol.iterations, protocol.seed, onErrorOption.onError, batchSize, ioThreads, truncate,
                comparison.similarity, comparison.fuse, examples);
    }

    /** Reads and checks a dataset argument (a known split in the cache or a caption file) and its sample sizes. */
    private Input input(String dataset, Path cache) {
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
        if (captionsPerImage != null) data = data.firstCaptions(captionsPerImage);
        int imageCount = data.images().size();
        int[] sizes = sampleImages != null ? sampleImages : Arrays.stream(DEFAULT_SIZES).filter(n -> n <= imageCount).toArray();
        for (int n : sizes) if (n < 1) throw new UserError("--sample-images: sizes must be at least 1, got " + n);
        for (int n : sizes) if (n > imageCount) throw new UserError("--sample-images " + n + " exceeds the " + imageCount + " images of " + data.name());
        return new Input(dataset, data, imageDir, sizes);
    }

    /** An open_clip ARCH/TAG names its run folder ARCH-TAG (a checkpoint path names it by its file). */
    private static String runName(String label) {
        return PretrainedTags.find(label).isPresent() ? label.replace('/', '-') : label;
    }

    private static String safe(String s) {
        String name = Path.of(s).getFileName().toString();
        return name.replaceAll("\\.(json|tsv|jsonl|token|txt|pt|safetensors)$", "").replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
