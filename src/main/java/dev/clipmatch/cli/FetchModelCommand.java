package dev.clipmatch.cli;

import dev.clipmatch.CheckpointException;
import dev.clipmatch.io.AtomicFiles;
import dev.clipmatch.io.Checksums;
import dev.clipmatch.io.Downloader;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.model.ModelEntry;
import dev.clipmatch.model.ModelRegistry;
import dev.clipmatch.model.PretrainedTag;
import dev.clipmatch.model.PretrainedTags;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Downloads a registry model, or an open_clip pretrained tag's weights, and the tokenizer vocabulary into the cache,
 * verified by sha256 where one is published, resuming partial files.
 */
@Command(name = "fetch-model", mixinStandardHelpOptions = true,
        description = {"Download a model checkpoint and its tokenizer vocabulary into the cache (sha256-verified, resumable).",
            "NAME is a registry name or an open_clip ARCH/TAG (see 'clipmatch models'); a tag's weights come from its Hugging Face hub repo",
            "(endpoint: $HF_ENDPOINT or https://huggingface.co) unless a URL with a published sha256 exists; without a published sha256 the",
            "computed one is recorded and checked on every load."})
public final class FetchModelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "Registry name or alias, or open_clip ARCH/TAG (see 'clipmatch models').")
    String name;

    @Mixin
    SharedOptions.CacheDirOption cacheDirOption;

    @Override
    public Integer call() {
        Path cache = cacheDirOption.resolved();
        PrintStream err = System.err;
        PrintWriter out = spec.commandLine().getOut();
        Downloader dl = new Downloader(err);
        Optional<ModelEntry> entry = ModelRegistry.find(name);
        if (entry.isPresent()) {
            fetch(dl, entry.get().checkpoint(), cache, err, out);
            if (entry.get().tokenizer() != null) fetch(dl, entry.get().tokenizer(), cache, err, out);
        } else {
            PretrainedTag tag = PretrainedTags.find(name).orElseThrow(() -> new CheckpointException("unknown model '" + name + "' (registry: "
                    + ModelRegistry.names() + "; or an open_clip ARCH/TAG listed by 'clipmatch models')"));
            fetchTag(dl, tag, cache, err, out);
        }
        out.flush();
        return 0;
    }

    private static void fetch(Downloader dl, ModelEntry.RemoteFile f, Path cache, PrintStream err, PrintWriter out) {
        Path target = cache.resolve(f.file());
        Downloader.Outcome o = dl.fetch(f.url(), f.sha256(), target);
        err.println("clipmatch: " + target + (o == Downloader.Outcome.ALREADY_PRESENT ? " already present (sha256 verified)" : " downloaded (sha256 verified)"));
        out.println(target);
    }

    /**
     * A tag: refused before any byte when this build cannot load it; else its weights into {@code open_clip/ARCH/TAG/}
     * (plus open_clip_config.json: the architecture and the tag's preprocessing, as open_clip composes them), the
     * record of what was fetched, and OpenAI's vocabulary.
     */
    private static void fetchTag(Downloader dl, PretrainedTag tag, Path cache, PrintStream err, PrintWriter out) {
        PretrainedTags.unsupported(tag).ifPresent(why -> {
            throw new CheckpointException("not downloading " + tag.name() + ": this clipmatch cannot load it: " + why);
        });
        if (!tag.tokenizer().equals("clip-bpe"))
            throw new CheckpointException("not downloading " + tag.name() + ": its tokenizer (" + tag.tokenizer() + ") is not one fetch-model can download");
        Path folder = PretrainedTags.folder(cache, tag);
        Path record = folder.resolve(PretrainedTags.FETCHED_FILE);
        PretrainedTags.Fetched fetched;
        if (tag.download().equals("url")) {
            Path target = folder.resolve(tag.urlFileName());
            Downloader.Outcome o = dl.fetch(tag.url(), tag.sha256(), target);
            err.println("clipmatch: " + target + (o == Downloader.Outcome.ALREADY_PRESENT ? " already present" : " downloaded") + " (sha256 verified)");
            fetched = new PretrainedTags.Fetched(target.getFileName().toString(), tag.url(), tag.sha256(), true);
        } else {
            fetched = fetchFromHub(dl, tag, folder, record, err);
            AtomicFiles.writeString(folder.resolve("open_clip_config.json"), PretrainedTags.openClipConfig(tag));
        }
        AtomicFiles.writeString(record, JsonFiles.pretty(fetched));
        out.println(tag.download().equals("url") ? folder.resolve(fetched.file()) : folder);
        fetch(dl, PretrainedTags.table().clipBpeVocab(), cache, err, out);
    }

    /**
     * open_clip's order: the first of the tag's hub files that exists. A file already here is kept when its sha256 matches
     * the record; without a record (put there by hand, as the offline message suggests) it is taken and recorded.
     */
    private static PretrainedTags.Fetched fetchFromHub(Downloader dl, PretrainedTag tag, Path folder, Path record, PrintStream err) {
        if (Files.isRegularFile(record)) {
            PretrainedTags.Fetched before = JsonFiles.read(record, PretrainedTags.Fetched.class);
            Path have = folder.resolve(before.file());
            if (Files.isRegularFile(have) && Checksums.sha256(have).equalsIgnoreCase(before.sha256())) {
                err.println("clipmatch: " + have + " already present (sha256 matches the one recorded at download; unconfirmed: none is published)");
                return before;
            }
        } else {
            for (String file : tag.hubFiles()) {
                Path placed = folder.resolve(PretrainedTags.localWeightsName(file));
                if (!Files.isRegularFile(placed)) continue;
                String sha = Checksums.sha256(placed);
                err.println("clipmatch: " + placed + " found in place; sha256 " + sha + " unconfirmed (open_clip publishes no checksum for " + tag.name()
                        + "); recorded in " + record + " and checked on every load");
                return new PretrainedTags.Fetched(placed.getFileName().toString(), PretrainedTags.hubUrl(tag, file), sha, false);
            }
        }
        for (String file : tag.hubFiles()) {
            String url = PretrainedTags.hubUrl(tag, file);
            Path target = folder.resolve(PretrainedTags.localWeightsName(file));
            Optional<String> sha = dl.fetchUnpublished(url, target);
            if (sha.isEmpty()) continue;
            err.println("clipmatch: " + target + " downloaded; sha256 " + sha.get() + " unconfirmed (open_clip publishes no checksum for " + tag.name()
                    + "); recorded in " + record + " and checked on every load");
            return new PretrainedTags.Fetched(target.getFileName().toString(), url, sha.get(), false);
        }
        throw new CheckpointException(tag.name() + ": none of " + String.join(", ", tag.hubFiles()) + " exists in the hub repo " + tag.hubRepo()
                + " (" + PretrainedTags.hubUrl(tag, tag.hubFiles().get(0)) + ")");
    }
}
