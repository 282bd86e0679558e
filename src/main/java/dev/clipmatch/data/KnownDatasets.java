package dev.clipmatch.data;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The standard test splits by name (models/datasets/index.json): where their caption files come from and live. */
public final class KnownDatasets {
    /** One entry; {@code file} and {@code images} are relative to {@code <cache>/data}. */
    public record Entry(String name, String description, String file, String url, String sha256, String images) {
        public Path captionsIn(Path cache) {
            return cache.resolve("data").resolve(file);
        }

        public Path imagesIn(Path cache) {
            return cache.resolve("data").resolve(images);
        }
    }

    private KnownDatasets() {}

    @SuppressWarnings("unchecked")
    public static List<Entry> all() {
        try (InputStream in = KnownDatasets.class.getResourceAsStream("/models/datasets/index.json")) {
            if (in == null) throw new IllegalStateException("models/datasets/index.json is missing from the classpath");
            Map<String, Object> root = Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            List<Entry> out = new ArrayList<>();
            for (Object o : (List<Object>) root.get("datasets")) {
                Map<String, Object> m = (Map<String, Object>) o;
                out.add(new Entry((String) m.get("name"), (String) m.get("description"), (String) m.get("file"), (String) m.get("url"),
                        (String) m.get("sha256"), (String) m.get("images")));
            }
            return out;
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
