package dev.clipmatch.cli;

import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.model.ModelEntry;
import dev.clipmatch.model.ModelRegistry;
import dev.clipmatch.model.PretrainedTag;
import dev.clipmatch.model.PretrainedTags;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Lists the registry (models/*.json) and open_clip's pretrained tags (models/pretrained/open_clip.json): family,
 * input size, whether this build loads it (asked of the model layer now), checksum status, and whether it is cached.
 */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = {"List the known CLIP models (the registry and open_clip's pretrained tags ARCH/TAG) and whether they are downloaded.",
            "LOADABLE: whether this build runs the architecture (else --json's \"unsupported\" says why); CHECKSUM: published (verified on",
            "download and load), unconfirmed (none published), recorded (unconfirmed, computed at download and checked on every load)."})
public final class ModelsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    SharedOptions.CacheDirOption cacheDirOption;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Option(names = "--family", paramLabel = "F", description = "Only this family (ViT, ResNet, SigLIP, ConvNeXt, CoCa, CLIPA, EVA, ...; case-insensitive).")
    String family;

    @Option(names = "--loadable", description = "Only the models this build can load.")
    boolean loadableOnly;

    @Override
    public Integer call() {
        Path cache = cacheDirOption.resolved();
        PrintWriter out = spec.commandLine().getOut();
        List<Row> rows = new ArrayList<>();
        for (ModelEntry e : ModelRegistry.all()) rows.add(registryRow(e, cache));
        for (PretrainedTag t : PretrainedTags.all()) rows.add(tagRow(t, cache));
        rows.removeIf(r -> (family != null && !r.family().equalsIgnoreCase(family)) || (loadableOnly && !r.loadable()));
        if (json) {
            out.print(JsonFiles.pretty(rows));
        } else {
            out.printf("%-48s %-20s %6s %6s  %-8s %-11s %s%n", "NAME", "FAMILY", "INPUT", "DIM", "LOADABLE", "CHECKSUM", "CACHED");
            for (Row r : rows)
                out.printf("%-48s %-20s %6d %6d  %-8s %-11s %s%n", r.name(), r.family(), r.imageResolution(), r.embedDim(), r.loadable() ? "yes" : "no",
                        r.checksum(), r.cached() ? "yes" : "no");
            out.println(rows.size() + " models; open_clip tags from open_clip " + PretrainedTags.table().openClipVersion() + "; cache: " + cache);
        }
        out.flush();
        return 0;
    }

    private static Row registryRow(ModelEntry e, Path cache) {
        Path file = cache.resolve(e.file());
        // The registry holds OpenAI's TorchScript archives, all of which this build loads.
        return new Row(e.name(), e.aliases(), e.description(), e.imageResolution(), e.embedDim(), e.format(), e.preprocess(), e.url(), e.sha256(),
                file.toString(), Files.isRegularFile(file), "registry", e.name().startsWith("RN") ? "ResNet" : "ViT", true, "", "published", "", "clip-bpe");
    }

    private static Row tagRow(PretrainedTag t, Path cache) {
        Path folder = PretrainedTags.folder(cache, t);
        Path record = folder.resolve(PretrainedTags.FETCHED_FILE);
        boolean cached = Files.isRegularFile(record);
        String sha = t.sha256Confirmed() ? t.sha256() : "";
        String checksum = t.sha256Confirmed() ? "published" : "unconfirmed";
        if (cached && !t.sha256Confirmed()) {
            sha = JsonFiles.read(record, PretrainedTags.Fetched.class).sha256();
            checksum = "recorded";
        }
        String why = PretrainedTags.unsupported(t).orElse("");
        PretrainedTag.Preprocess p = t.preprocess();
        String preprocess = String.format(Locale.ROOT, "%s %s mean %s std %s", p.interpolation(), p.resizeMode(), p.mean(), p.std());
        String url = t.download().equals("url") ? t.url() : PretrainedTags.hubUrl(t, t.hubFiles().get(0));
        return new Row(t.name(), List.of(), "open_clip " + PretrainedTags.table().openClipVersion() + " pretrained tag" + (t.quickGelu() ? " (QuickGELU)" : ""),
                t.imageSize(), t.embedDim(), t.download().equals("url") ? "torchscript" : "open_clip", preprocess, url, sha, folder.toString(), cached,
                "open_clip_tag", t.family(), why.isEmpty(), why, checksum, t.hubRepo(), t.tokenizer());
    }

    /** One model of --json (the first eleven fields are the registry's original contract; the rest were appended). */
    record Row(String name, List<String> aliases, String description, int imageResolution, int embedDim, String format, String preprocess,
            String url, String sha256, String path, boolean cached, String kind, String family, boolean loadable, String unsupported, String checksum,
            String hubRepo, String tokenizer) {}
}
