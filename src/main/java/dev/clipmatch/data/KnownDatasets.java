package dev.clipmatch.data;

import dev.clipmatch.ClipMatchException;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.clipmatch.io.JsonFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The standard test splits by name (models/datasets/index.json): where their caption files come from and live. */
public final class KnownDatasets {
    /**
     * One entry; {@code file} and {@code images} are relative to {@code <cache>/data}; {@code captionsPerImage}, when
     * set, is the split's default --captions-per-image.
     */
    public record Entry(String name, String description, String file, String url, String sha256, String images, Integer captionsPerImage) {
        public Path captionsIn(Path cache) {
            return cache.resolve("data").resolve(file);
        }

        public Path imagesIn(Path cache) {
            return cache.resolve("data").resolve(images);
        }
    }

    private KnownDatasets() {}

    /** models/datasets/index.json. */
    private record Index(@JsonProperty("_comment") String comment, List<Entry> datasets) {}

    public static List<Entry> all() {
        try (InputStream in = KnownDatasets.class.getResourceAsStream("/models/datasets/index.json")) {
            if (in == null) throw new IllegalStateException("models/datasets/index.json is missing from the classpath");
            return List.copyOf(JsonFiles.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "models/datasets/index.json", Index.class).datasets());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read models/datasets/index.json", e);
        }
    }

    public static Optional<Entry> find(String name) {
        return all().stream().filter(e -> e.name().equalsIgnoreCase(name)).findFirst();
    }

    public static Entry require(String name) {
        return find(name).orElseThrow(() -> new ClipMatchException("unknown dataset '" + name + "' (known: "
                + String.join(", ", all().stream().map(Entry::name).toList()) + ", or a caption file)"));
    }
}
