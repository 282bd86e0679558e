package dev.clipmatch.model;

import dev.clipmatch.CheckpointException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Downloaded models in the cache ({@link dev.clipmatch.io.CacheDir}): one flat directory holding the checkpoints under
 * their registry file names and the tokenizer vocabulary they share.
 */
public final class ModelCache {
    private ModelCache() {}

    /** A resolved --model argument: the checkpoint path and, when it came from the registry, its entry. */
    public record Resolved(Path checkpoint, ModelEntry entry) {
        public String label() {
            return entry != null ? entry.name() : checkpoint.toString();
        }
    }

    /** A path to a checkpoint file or directory, or a registry name whose file is in the cache. */
    public static Resolved resolve(String model, Path cacheDir) {
        Path asPath = Path.of(model);
        if (Files.exists(asPath)) return new Resolved(asPath, null);
        var entry = ModelRegistry.find(model);
        if (entry.isEmpty())
            throw new CheckpointException("model '" + model + "' is neither an existing checkpoint path nor a registry name (known: " + ModelRegistry.names() + ")");
        Path file = cacheDir.resolve(entry.get().file());
        if (!Files.isRegularFile(file))
            throw new CheckpointException("model " + entry.get().name() + " is not downloaded: run 'clipmatch fetch-model " + entry.get().name()
                    + "', or put " + entry.get().url() + " at " + file);
        return new Resolved(file, entry.get());
    }
}
