package dev.clipmatch.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.clipmatch.CheckpointException;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.io.JsonFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * open_clip's pretrained tags (models/pretrained/open_clip.json) and whether this build can load each: that is
 * asked of the model layer ({@link OpenClipConfig}) at run time, not recorded, so it follows the supported families.
 */
public final class PretrainedTags {
    private static final String RESOURCE = "/models/pretrained/open_clip.json";
    /** In a tag's cache folder: what fetch-model downloaded, with its sha256 (published, or computed when none is). */
    public static final String FETCHED_FILE = "fetched.json";
    public static final String TABLE_PROPERTY = "clipmatch.pretrained.table";
    private static Table table;
    private static String tableSource;

    /** The whole file: the tags, the open_clip version they came from, and OpenAI's vocabulary they share. */
    public record Table(String openClipVersion, ModelEntry.RemoteFile clipBpeVocab, List<PretrainedTag> tags) {}

    /**
     * {@link #FETCHED_FILE}: the weights file (its name in the folder), where it came from and its sha256; for a tag with a
     * Hugging Face tokenizer also its files, each with the sha256 computed at download (none is published).
     */
    public record Fetched(String file, String url, String sha256, boolean sha256Confirmed, List<HubFile> tokenizerFiles) {
        public Fetched {
            tokenizerFiles = tokenizerFiles == null ? List.of() : List.copyOf(tokenizerFiles);
        }

        public Fetched(String file, String url, String sha256, boolean sha256Confirmed) {
            this(file, url, sha256, sha256Confirmed, List.of());
        }
    }

    /** A file of a tag's folder fetched from a hub repo: its name there, its URL and the sha256 it had. */
    public record HubFile(String file, String url, String sha256) {}

    /** The Hugging Face tokenizer files fetch-model takes from a tag's {@code hf:REPO}: those {@code HfTokenizer} reads. */
    public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json");
    /** Taken too when the tokenizer repo has it: transformers reads its special tokens (fetch-model checks they agree). */
    public static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";

    private PretrainedTags() {}

    /**
     * The tag table: the shipped one, or the file named by the system property {@value #TABLE_PROPERTY} (another export, or a
     * test's), whose architectures are looked up in its folder's {@code open_clip/ARCH.json} first.
     */
    public static synchronized Table table() {
        String override = System.getProperty(TABLE_PROPERTY);
        if (table == null || !Objects.equals(override, tableSource)) {
            table = override == null ? loadShipped() : parse(readFile(Path.of(override)), override);
            tableSource = override;
        }
        return table;
    }

    public static List<PretrainedTag> all() {
        return table().tags();
    }

    /** A tag by {@code ARCH/TAG} (case-insensitive, as open_clip's lookup). */
    public static Optional<PretrainedTag> find(String name) {
        return all().stream().filter(t -> t.name().equalsIgnoreCase(name)).findFirst();
    }

    /** Where a tag's files live in the cache: {@code <cache>/open_clip/ARCH/TAG/}. */
    public static Path folder(Path cache, PretrainedTag t) {
        return cache.resolve("open_clip").resolve(t.arch()).resolve(t.tag());
    }

    /**
     * The Hugging Face hub URL of a file of the tag's repo. The endpoint is the system property {@code clipmatch.hf.endpoint},
     * else {@code $HF_ENDPOINT} (the hub client's own variable, for mirrors), else https://huggingface.co.
     */
    public static String hubUrl(PretrainedTag t, String file) {
        return hubUrl(t.hubRepo(), file);
    }

    /** The hub URL of a file of any repo (a tag's tokenizer repo), at the same endpoint as {@link #hubUrl(PretrainedTag, String)}. */
    public static String hubUrl(String repo, String file) {
        String endpoint = System.getProperty("clipmatch.hf.endpoint", System.getenv().getOrDefault("HF_ENDPOINT", "https://huggingface.co"));
        return endpoint.replaceAll("/+$", "") + "/" + repo + "/resolve/main/" + file;
    }

    /** The hub repo of a tag's Hugging Face tokenizer ({@code hf:REPO}), empty for OpenAI's BPE. */
    public static Optional<String> tokenizerRepo(PretrainedTag t) {
        return t.tokenizer().startsWith("hf:") ? Optional.of(t.tokenizer().substring(3)) : Optional.empty();
    }

    /** The name a hub weights file gets in the tag's folder: the one open_clip's folder loader looks for. */
    public static String localWeightsName(String hubFile) {
        return hubFile.endsWith(".safetensors") ? "open_clip_model.safetensors" : "open_clip_pytorch_model.bin";
    }

    /** Why this build cannot load the tag (one line), or empty when it can. */
    public static Optional<String> unsupported(PretrainedTag t) {
        if (t.quickGelu() != t.archQuickGelu()) {
            String other = t.quickGelu() ? t.arch() + "-quickgelu" : t.arch().replaceFirst("-quickgelu$", "");
            String instead = find(other + "/" + t.tag()).map(o -> "; use " + o.name()).orElse("");
            return Optional.of(t.name() + " was trained with " + (t.quickGelu() ? "QuickGELU" : "GELU") + " but architecture " + t.arch() + " uses "
                    + (t.archQuickGelu() ? "QuickGELU" : "GELU") + " (open_clip 3.3.0 only warns and runs it so)" + instead);
        }
        try {
            OpenClipConfig.forArch(archSource(t.arch()));
            return Optional.empty();
        } catch (ClipMatchException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** open_clip's {@code open_clip_config.json} for a tag: the architecture's model config and the tag's preprocessing. */
    public static String openClipConfig(PretrainedTag t) {
        JsonNode modelCfg = OpenClipConfig.archJson(archSource(t.arch()));
        var root = JsonFiles.mapper().createObjectNode();
        root.set("model_cfg", modelCfg);
        var pre = root.putObject("preprocess_cfg");
        pre.set("mean", JsonFiles.mapper().valueToTree(t.preprocess().mean()));
        pre.set("std", JsonFiles.mapper().valueToTree(t.preprocess().std()));
        pre.put("interpolation", t.preprocess().interpolation());
        pre.put("resize_mode", t.preprocess().resizeMode());
        return JsonFiles.pretty(root);
    }

    private static Table loadShipped() {
        try (InputStream in = PretrainedTags.class.getResourceAsStream(RESOURCE)) {
            if (in == null) return new Table("", null, List.of());
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "models/pretrained/open_clip.json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readFile(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ClipMatchException(file + ": cannot read the tag table (" + e.getMessage() + ")", e);
        }
    }

    private static Table parse(String text, String where) {
        JsonNode root = JsonFiles.parseTree(text, where);
        List<PretrainedTag> tags = new ArrayList<>();
        for (JsonNode n : root.path("tags")) {
            try {
                tags.add(JsonFiles.mapper().treeToValue(n, PretrainedTag.class));
            } catch (IOException | IllegalArgumentException | ClipMatchException e) {
                throw new ClipMatchException(where + ": tag " + n.path("name").asText("?") + ": " + e.getMessage(), e);
            }
        }
        try {
            ModelEntry.RemoteFile vocab = JsonFiles.mapper().treeToValue(root.path("clip_bpe_vocab"), ModelEntry.RemoteFile.class);
            return new Table(root.path("open_clip_version").asText(), vocab, List.copyOf(tags));
        } catch (IOException | IllegalArgumentException | ClipMatchException e) {
            throw new ClipMatchException(where + ": clip_bpe_vocab: " + e.getMessage(), e);
        }
    }

    /** The architecture for {@link OpenClipConfig#forArch}: a config file next to an overriding table, else the shipped name. */
    private static String archSource(String arch) {
        String override = System.getProperty(TABLE_PROPERTY);
        if (override != null) {
            Path file = Path.of(override).toAbsolutePath().resolveSibling("open_clip").resolve(arch + ".json");
            if (Files.isRegularFile(file)) return file.toString();
        }
        return arch;
    }
}
