package dev.clipmatch.model;

import dev.clipmatch.CheckpointException;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.io.JsonFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The known models: every models/*.json on the classpath (the repository's models/ directory, packaged). */
public final class ModelRegistry {
    private static List<ModelEntry> entries;

    private ModelRegistry() {}

    public static synchronized List<ModelEntry> all() {
        if (entries == null) entries = load();
        return entries;
    }

    public static Optional<ModelEntry> find(String nameOrAlias) {
        return all().stream().filter(e -> e.matches(nameOrAlias)).findFirst();
    }

    public static ModelEntry require(String nameOrAlias) {
        return find(nameOrAlias).orElseThrow(() -> new CheckpointException("unknown model '" + nameOrAlias + "' (known: " + names() + ")"));
    }

    public static String names() {
        return String.join(", ", all().stream().map(ModelEntry::name).toList());
    }

    private static List<ModelEntry> load() {
        URL url = ModelRegistry.class.getResource("/models/");
        if (url == null) return List.of();
        try {
            URI uri = url.toURI();
            if (uri.getScheme().equals("jar")) {
                FileSystem fs;
                try {
                    fs = FileSystems.newFileSystem(uri, Map.of());
                } catch (FileSystemAlreadyExistsException e) {
                    fs = FileSystems.getFileSystem(uri);
                }
                return read(fs.provider().getPath(uri));
            }
            return read(Path.of(uri));
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("cannot list the model registry at " + url, e);
        }
    }

    private static List<ModelEntry> read(Path dir) throws IOException {
        List<ModelEntry> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
                String where = "models/" + f.getFileName();
                try {
                    out.add(JsonFiles.parse(Files.readString(f), where, ModelEntry.class));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (ClipMatchException e) {
                    throw new ClipMatchException(e.getMessage().startsWith(where) ? e.getMessage() : where + ": " + e.getMessage(), e);
                }
            }
        }
        out.sort(Comparator.comparing(ModelEntry::name));
        return List.copyOf(out);
    }
}
