package dev.clipmatch.model;

import dev.clipmatch.ClipMatchException;
import java.util.List;
import java.util.Locale;

/**
 * One open_clip pretrained tag (models/pretrained/open_clip.json, written by tools/export_open_clip_pretrained.py):
 * where its weights are, their sha256 when published, and the preprocessing open_clip applies for it.
 *
 * @param name {@code ARCH/TAG}
 * @param download {@code url} (a direct URL whose published sha256 is known: OpenAI's TorchScript archives) or
 *     {@code hub} (the Hugging Face repo's first existing file of {@code hubFiles}, open_clip's order)
 * @param sha256 the published checksum, or null when none is published ({@code sha256Confirmed} false)
 * @param tokenizer {@code clip-bpe} (OpenAI's vocabulary) or {@code hf:REPO} (a Hugging Face tokenizer)
 */
public record PretrainedTag(String name, String arch, String tag, String family, int imageSize, int embedDim, boolean quickGelu,
        boolean archQuickGelu, String hubRepo, List<String> hubFiles, String url, String download, String sha256, boolean sha256Confirmed,
        Preprocess preprocess, String tokenizer, int contextLength) {

    /** open_clip's preprocessing for the tag (its {@code preprocess_cfg}, the size being the architecture's). */
    public record Preprocess(List<Double> mean, List<Double> std, String interpolation, String resizeMode) {}

    public PretrainedTag {
        if (name == null || arch == null || tag == null || !name.equals(arch + "/" + tag)) throw new ClipMatchException("tag entry needs \"name\" = \"arch/tag\"");
        if (!"url".equals(download) && !"hub".equals(download)) throw new ClipMatchException(name + ": \"download\" must be url or hub");
        if ("url".equals(download) && (url == null || sha256 == null)) throw new ClipMatchException(name + ": a url download needs \"url\" and \"sha256\"");
        if ("hub".equals(download) && (hubRepo == null || hubFiles == null || hubFiles.isEmpty()))
            throw new ClipMatchException(name + ": a hub download needs \"hub_repo\" and \"hub_files\"");
        if ("url".equals(download) && !"clip-bpe".equals(tokenizer))
            throw new ClipMatchException(name + ": a url download (OpenAI's TorchScript archive) uses OpenAI's tokenizer clip-bpe, not " + tokenizer);
        if (sha256Confirmed != (sha256 != null)) throw new ClipMatchException(name + ": \"sha256_confirmed\" must say whether \"sha256\" is given");
        hubFiles = hubFiles == null ? List.of() : List.copyOf(hubFiles);
        sha256 = sha256 == null ? null : sha256.toLowerCase(Locale.ROOT);
    }

    /** The file name a {@code url} download gets in the tag's cache folder. */
    public String urlFileName() {
        return url.substring(url.lastIndexOf('/') + 1);
    }
}
