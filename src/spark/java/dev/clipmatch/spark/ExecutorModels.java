package dev.clipmatch.spark;

import dev.clipmatch.CheckpointException;
import dev.clipmatch.ClipMatch;
import dev.clipmatch.model.CheckpointFormat;
import dev.clipmatch.io.CacheDir;
import dev.clipmatch.io.Checksums;
import dev.clipmatch.model.ModelCache;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One loaded model per executor JVM, shared by all its tasks: loaded on first use, its checkpoint's sha256
 * checked once against the driver's (every executor must encode with the very same weights).
 */
final class ExecutorModels {
    /** What the driver resolved; paths must name the same files on every executor (shared or copied). */
    record Spec(String model, String cacheDir, String vocab, String preset, int threads, String sha256) implements Serializable {
        /** The driver's side: the checkpoint's sha256 (a registry model is also checked against its published one on load). */
        static Spec resolve(String model, Path cacheDir, Path vocab, String preset, int threads) {
            Path checkpoint = ModelCache.resolve(model, CacheDir.dirOr(cacheDir)).checkpoint();
            String sha = Checksums.sha256(CheckpointFormat.weightFiles(checkpoint));
            return new Spec(model, cacheDir == null ? null : cacheDir.toAbsolutePath().toString(), vocab == null ? null : vocab.toAbsolutePath().toString(),
                    preset, threads, sha);
        }
    }

    private static final ConcurrentHashMap<Spec, ClipMatch> LOADED = new ConcurrentHashMap<>();

    private ExecutorModels() {}

    static ClipMatch get(Spec spec) {
        return LOADED.computeIfAbsent(spec, ExecutorModels::load);
    }

    private static ClipMatch load(Spec s) {
        ClipMatch clip = ClipMatch.load(s.model(), new ClipMatch.Options(s.cacheDir() == null ? null : Path.of(s.cacheDir()),
                s.vocab() == null ? null : Path.of(s.vocab()), s.preset(), s.threads(), "cpu"));
        if (!clip.checkpointSha256().equalsIgnoreCase(s.sha256()))
            throw new CheckpointException(clip.checkpoint() + ": sha256 " + clip.checkpointSha256() + " on this executor, but " + s.sha256()
                    + " on the driver (a different file); every executor needs the same checkpoint");
        return clip;
    }
}
