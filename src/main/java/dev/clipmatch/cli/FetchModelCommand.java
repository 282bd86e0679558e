package dev.clipmatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clipmatch.CheckpointException;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.UnsupportedFeatureException;
import dev.clipmatch.io.AtomicFiles;
import dev.clipmatch.io.Checksums;
import dev.clipmatch.io.Downloader;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.model.ModelEntry;
import dev.clipmatch.model.ModelRegistry;
import dev.clipmatch.model.OpenClipConfig;
import dev.clipmatch.model.PretrainedTag;
import dev.clipmatch.model.PretrainedTags;
import dev.clipmatch.tokenizer.HfTokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Downloads a registry model, or an open_clip pretrained tag's weights, and its tokenizer files into the cache,
 * verified by sha256 where one is published, resuming partial files.
 */
@Command(name = "fetch-model", mixinStandardHelpOptions = true,
        description = {"Download a model checkpoint and its tokenizer vocabulary into the cache (sha256-verified, resumable).",
            "NAME is a registry name or an open_clip ARCH/TAG (see 'clipmatch models'); a tag's weights come from its Hugging Face hub repo",
            "(endpoint: $HF_ENDPOINT or https://huggingface.co) unless a URL with a published sha256 exists, with, for a Hugging Face tokenizer",
            "(hf:REPO), that repo's tokenizer.json and tokenizer_config.json; without a published sha256 the computed one is recorded and",
            "checked on every load."})
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
     * A tag: refused before any byte when this build cannot load it; else, for a Hugging Face tokenizer, its files first
     * (small, and checked to be a tokenizer clipmatch reads before the weights are fetched), then the weights into
     * {@code open_clip/ARCH/TAG/} (plus open_clip_config.json: the architecture and the tag's preprocessing, as open_clip
     * composes them), and last the record of what was fetched, which makes the folder a model; and OpenAI's vocabulary
     * for a tag that uses it.
     */
    private static void fetchTag(Downloader dl, PretrainedTag tag, Path cache, PrintStream err, PrintWriter out) {
        PretrainedTags.unsupported(tag).ifPresent(why -> {
            throw new CheckpointException("not downloading " + tag.name() + ": this clipmatch cannot load it: " + why);
        });
        Path folder = PretrainedTags.folder(cache, tag);
        Path record = folder.resolve(PretrainedTags.FETCHED_FILE);
        PretrainedTags.Fetched before = Files.isRegularFile(record) ? JsonFiles.read(record, PretrainedTags.Fetched.class) : null;
        PretrainedTags.Fetched weights;
        List<PretrainedTags.HubFile> tokenizerFiles = List.of();
        Optional<String> tokenizerRepo = PretrainedTags.tokenizerRepo(tag);
        if (tag.download().equals("url")) {
            Path target = folder.resolve(tag.urlFileName());
            Downloader.Outcome o = dl.fetch(tag.url(), tag.sha256(), target);
            err.println("clipmatch: " + target + (o == Downloader.Outcome.ALREADY_PRESENT ? " already present" : " downloaded") + " (sha256 verified)");
            weights = new PretrainedTags.Fetched(target.getFileName().toString(), tag.url(), tag.sha256(), true);
        } else {
            AtomicFiles.writeString(folder.resolve("open_clip_config.json"), PretrainedTags.openClipConfig(tag));
            if (tokenizerRepo.isPresent()) tokenizerFiles = fetchTokenizer(dl, tag, tokenizerRepo.get(), folder, before, err);
            weights = fetchFromHub(dl, tag, folder, before, record, err);
        }
        AtomicFiles.writeString(record, JsonFiles.pretty(new PretrainedTags.Fetched(weights.file(), weights.url(), weights.sha256(), weights.sha256Confirmed(),
                tokenizerFiles)));
        out.println(tag.download().equals("url") ? folder.resolve(weights.file()) : folder);
        if (tokenizerRepo.isEmpty()) fetch(dl, PretrainedTags.table().clipBpeVocab(), cache, err, out);
    }

    /**
     * The tag's Hugging Face tokenizer files (those clipmatch's HfTokenizer reads, and special_tokens_map.json when the repo
     * has one) from its tokenizer repo into the tag's folder, as a hub folder holds them beside open_clip_config.json; none
     * has a published checksum, so each one's is recorded. Then the folder's tokenizer is loaded as a load would, so that
     * one clipmatch cannot read, or would pad differently from transformers, is refused before the weights.
     */
    private static List<PretrainedTags.HubFile> fetchTokenizer(Downloader dl, PretrainedTag tag, String repo, Path folder, PretrainedTags.Fetched before,
            PrintStream err) {
        List<PretrainedTags.HubFile> files = new ArrayList<>();
        List<Path> downloaded = new ArrayList<>();
        try {
            for (String name : PretrainedTags.TOKENIZER_FILES) {
                files.add(fetchTokenizerFile(dl, repo, name, folder, before, downloaded, err).orElseThrow(() -> new CheckpointException("not downloading "
                        + tag.name() + ": its tokenizer repo " + repo + " has no " + name + " (" + PretrainedTags.hubUrl(repo, name)
                        + " answers 404); clipmatch reads a Hugging Face tokenizer only from " + String.join(" + ", PretrainedTags.TOKENIZER_FILES))));
            }
            fetchTokenizerFile(dl, repo, PretrainedTags.SPECIAL_TOKENS_MAP, folder, before, downloaded, err).ifPresent(files::add);
            checkTokenizer(tag, repo, folder);
        } catch (CheckpointException e) {
            // a refused tokenizer's files are not left to be taken as "found in place" by the next fetch
            for (Path p : downloaded) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // the refusal below is what matters; a leftover file has no record and is not a model
                }
            }
            throw e;
        }
        return files;
    }

    /** The folder's tokenizer loaded as a load would (and its special tokens map agreeing), else refused naming what is wrong. */
    private static void checkTokenizer(PretrainedTag tag, String repo, Path folder) {
        try {
            HfTokenizer.Settings settings = OpenClipConfig.read(folder.resolve("open_clip_config.json")).hfTokenizer();
            if (settings == null)
                throw new CheckpointException(tag.name() + ": the table names tokenizer " + tag.tokenizer() + " but architecture " + tag.arch()
                        + " has no text_cfg.hf_tokenizer_name");
            checkSpecialTokensMap(folder);
            HfTokenizer.load(folder, settings).encode("", tag.contextLength(), true);
        } catch (ClipMatchException e) {
            throw new CheckpointException("not downloading " + tag.name() + "'s weights: its tokenizer from " + repo + " is not one clipmatch reads: " + e.getMessage(), e);
        }
    }

    /**
     * One tokenizer file: kept when it matches the record; without a record, one put there by hand is taken; else
     * downloaded. Empty when the repo has no such file (HTTP 404).
     */
    private static Optional<PretrainedTags.HubFile> fetchTokenizerFile(Downloader dl, String repo, String name, Path folder, PretrainedTags.Fetched before,
            List<Path> downloaded, PrintStream err) {
        String url = PretrainedTags.hubUrl(repo, name);
        Path target = folder.resolve(name);
        Optional<PretrainedTags.HubFile> recorded = before == null ? Optional.empty()
                : before.tokenizerFiles().stream().filter(f -> f.file().equals(name)).findFirst();
        if (recorded.isPresent() && Files.isRegularFile(target) && Checksums.sha256(target).equalsIgnoreCase(recorded.get().sha256())) {
            err.println("clipmatch: " + target + " already present (sha256 matches the one recorded at download; unconfirmed: none is published)");
            return recorded;
        }
        String how;
        Optional<String> sha;
        if (before == null && Files.isRegularFile(target)) {
            how = " found in place";
            sha = Optional.of(Checksums.sha256(target));
        } else {
            how = " downloaded";
            sha = dl.fetchUnpublished(url, target);
            if (sha.isPresent()) downloaded.add(target);
        }
        sha.ifPresent(s -> err.println("clipmatch: " + target + how + "; sha256 " + s + " unconfirmed (" + repo + " publishes no checksum); recorded in "
                + folder.resolve(PretrainedTags.FETCHED_FILE) + " and checked on every load"));
        return sha.map(s -> new PretrainedTags.HubFile(name, url, s));
    }

    /**
     * transformers takes the special tokens of special_tokens_map.json over tokenizer_config.json's when the config has no
     * added_tokens_decoder; clipmatch's tokenizer takes the pad (and separator) token from tokenizer_config.json, so a map
     * naming others would pad otherwise than open_clip: refused.
     */
    private static void checkSpecialTokensMap(Path folder) {
        Path mapFile = folder.resolve(PretrainedTags.SPECIAL_TOKENS_MAP), configFile = folder.resolve(HfTokenizer.CONFIG_FILE);
        if (!Files.isRegularFile(mapFile)) return;
        JsonNode map = readJson(mapFile), config = readJson(configFile);
        if (config.has("added_tokens_decoder")) return;
        for (String field : List.of("pad_token", "sep_token")) {
            String inMap = tokenContent(map.get(field));
            if (inMap == null) continue;
            String inConfig = tokenContent(config.get(field));
            if (!inMap.equals(inConfig))
                throw new UnsupportedFeatureException(mapFile + ": " + field + " \"" + inMap + "\" is not " + HfTokenizer.CONFIG_FILE + "'s "
                        + (inConfig == null ? "(none)" : "\"" + inConfig + "\"") + " (transformers takes the map's; clipmatch reads " + HfTokenizer.CONFIG_FILE + ")");
        }
    }

    private static JsonNode readJson(Path file) {
        try {
            return JsonFiles.parseTree(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    /** A special token as tokenizer files write it: a string or an AddedToken object's content; null when absent. */
    private static String tokenContent(JsonNode v) {
        if (v != null && v.isObject()) v = v.get("content");
        return v != null && v.isTextual() ? v.asText() : null;
    }

    /**
     * open_clip's order: the first of the tag's hub files that exists. A file already here is kept when its sha256 matches
     * the record; without a record (put there by hand, as the offline message suggests) it is taken and recorded.
     */
    private static PretrainedTags.Fetched fetchFromHub(Downloader dl, PretrainedTag tag, Path folder, PretrainedTags.Fetched before, Path record,
            PrintStream err) {
        if (before != null) {
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
