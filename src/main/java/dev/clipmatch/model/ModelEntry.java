package dev.clipmatch.model;

import dev.clipmatch.CheckpointException;
import dev.clipmatch.ClipMatchException;
import java.util.List;
import java.util.Locale;

/**
 * One registry entry (models/NAME.json): where the checkpoint comes from, its checksum, the preprocessing
 * preset, the tokenizer file, and the sizes the checkpoint must have.
 */
public record ModelEntry(String name, List<String> aliases, String description, String url, String sha256, String file,
                         String format, String preprocess, int imageResolution, int embedDim, int contextLength,
                         RemoteFile tokenizer) {

    /** A file to download: URL, expected sha256 and the name it gets in the cache. */
    public record RemoteFile(String url, String sha256, String file) {
        public RemoteFile {
            if (url == null || sha256 == null || file == null) throw new ClipMatchException("tokenizer needs \"url\", \"sha256\" and \"file\"");
            sha256 = sha256.toLowerCase(Locale.ROOT);
        }
    }

    /** Required text fields present; sha256 in lower case; sizes not given are 0 (not checked). */
    public ModelEntry {
        for (String[] field : new String[][] {{"name", name}, {"url", url}, {"sha256", sha256}, {"file", file}, {"format", format}, {"preprocess", preprocess}})
            if (field[1] == null || field[1].isBlank()) throw new ClipMatchException("registry entry lacks \"" + field[0] + "\"");
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
        description = description == null ? "" : description;
        sha256 = sha256.toLowerCase(Locale.ROOT);
    }

    public RemoteFile checkpoint() {
        return new RemoteFile(url, sha256, file);
    }

    public boolean matches(String query) {
        if (name.equalsIgnoreCase(query)) return true;
        for (String a : aliases) if (a.equalsIgnoreCase(query)) return true;
        return false;
    }

    /** Fails when a loaded checkpoint does not have the sizes this entry promises (a wrong file under the right name). */
    public void check(ClipConfig c, String source) {
        if ((imageResolution > 0 && c.resolution() != imageResolution) || (embedDim > 0 && c.embedDim() != embedDim))
            throw new CheckpointException(source + ": checkpoint has input " + c.resolution() + " px and embedding size " + c.embedDim()
                    + ", but registry model " + name + " expects " + imageResolution + " px and " + embedDim);
    }
}
