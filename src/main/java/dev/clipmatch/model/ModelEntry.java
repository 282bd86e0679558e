package dev.clipmatch.model;

import dev.clipmatch.CheckpointException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One registry entry (models/NAME.json): where the checkpoint comes from, its checksum, the preprocessing
 * preset, the tokenizer file, and the sizes the checkpoint must have.
 */
public record ModelEntry(String name, List<String> aliases, String description, String url, String sha256, String file,
                         String format, String preprocess, int imageResolution, int embedDim, int contextLength,
                         RemoteFile tokenizer) {

    /** A file to download: URL, expected sha256 and the name it gets in the cache. */
    public record RemoteFile(String url, String sha256, String file) {}

    static ModelEntry parse(Map<String, Object> m, String where) {
        List<String> aliases = new ArrayList<>();
        if (m.get("aliases") instanceof List<?> l) for (Object o : l) aliases.add(String.valueOf(o));
        Map<?, ?> tok = m.get("tokenizer") instanceof Map<?, ?> t ? t : Map.of();
        return new ModelEntry(str(m, "name", where), List.copyOf(aliases), m.getOrDefault("description", "").toString(),
                str(m, "url", where), str(m, "sha256", where).toLowerCase(), str(m, "file", where), str(m, "format", where),
                str(m, "preprocess", where), num(m, "image_resolution"), num(m, "embed_dim"), num(m, "context_length"),
                tok.isEmpty() ? null : new RemoteFile(String.valueOf(tok.get("url")), String.valueOf(tok.get("sha256")).toLowerCase(),
                        String.valueOf(tok.get("file"))));
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

    private static String str(Map<String, Object> m, String key, String where) {
        if (!(m.get(key) instanceof String s) || s.isBlank()) throw new IllegalStateException(where + ": registry entry lacks \"" + key + "\"");
        return s;
    }

    private static int num(Map<String, Object> m, String key) {
        return m.get(key) instanceof Long n ? n.intValue() : 0;
    }
}
