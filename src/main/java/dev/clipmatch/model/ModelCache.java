package dev.clipmatch.model;

import dev.clipmatch.CheckpointException;
import dev.clipmatch.io.Checksums;
import dev.clipmatch.io.JsonFiles;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Downloaded models in the cache ({@link dev.clipmatch.io.CacheDir}): one flat directory holding the registry's checkpoints under
 * their file names and the tokenizer vocabulary they share; open_clip's pretrained tags in {@code open_clip/ARCH/TAG/}.
 */
public final class ModelCache {
    private ModelCache() {}

    /**
     * A resolved --model argument: the checkpoint path and, when it came from the registry or an open_clip tag, its
     * entry and the sha256 the checkpoint must have (published, or recorded when a tag without one was downloaded).
     */
    public record Resolved(Path checkpoint, ModelEntry entry, PretrainedTag tag, String expectedSha256) {
        public Resolved(Path checkpoint, ModelEntry entry) {
            this(checkpoint, entry, null, entry == null ? null : entry.sha256());
        }

        public String label() {
            return entry != null ? entry.name() : tag != null ? tag.name() : checkpoint.toString();
        }

        /** Fails when a loaded checkpoint does not have the sizes its registry entry or tag promises. */
        public void check(ClipConfig c) {
            if (entry != null) entry.check(c, checkpoint.toString());
            if (tag != null && (c.resolution() != tag.imageSize() || c.embedDim() != tag.embedDim()))
                throw new CheckpointException(checkpoint + ": checkpoint has input " + c.resolution() + " px and embedding size " + c.embedDim()
                        + ", but " + tag.name() + " expects " + tag.imageSize() + " px and " + tag.embedDim());
        }

        /** The one-line error for a checkpoint whose sha256 is not the expected one. */
        public String checksumMismatch(String actual) {
            String which = tag != null && !tag.sha256Confirmed() ? "sha256 recorded when " + tag.name() + " was downloaded (unconfirmed: none is published)"
                    : "published " + expectedSha256 + " of " + label();
            return checkpoint + ": sha256 " + actual + " is not the " + which + " (corrupt or a different file); run 'clipmatch fetch-model " + label() + "'";
        }
    }

    /** A path to a checkpoint file or directory, a registry name whose file is in the cache, or a downloaded open_clip tag. */
    public static Resolved resolve(String model, Path cacheDir) {
        Path asPath = Path.of(model);
        if (Files.exists(asPath)) return new Resolved(asPath, null);
        var entry = ModelRegistry.find(model);
        if (entry.isEmpty()) {
            var tag = PretrainedTags.find(model);
            if (tag.isPresent()) return resolveTag(tag.get(), cacheDir);
            throw new CheckpointException("model '" + model + "' is neither an existing checkpoint path, a registry name (" + ModelRegistry.names()
                    + ") nor an open_clip ARCH/TAG (see 'clipmatch models')");
        }
        Path file = cacheDir.resolve(entry.get().file());
        if (!Files.isRegularFile(file))
            throw new CheckpointException("model " + entry.get().name() + " is not downloaded: run 'clipmatch fetch-model " + entry.get().name()
                    + "', or put " + entry.get().url() + " at " + file);
        return new Resolved(file, entry.get());
    }

    private static Resolved resolveTag(PretrainedTag tag, Path cacheDir) {
        PretrainedTags.unsupported(tag).ifPresent(why -> {
            throw new CheckpointException("cannot load " + tag.name() + ": " + why);
        });
        Path folder = PretrainedTags.folder(cacheDir, tag);
        Path record = folder.resolve(PretrainedTags.FETCHED_FILE);
        if (!Files.isRegularFile(record))
            throw new CheckpointException("model " + tag.name() + " is not downloaded: run 'clipmatch fetch-model " + tag.name() + "' (it writes " + folder + ")");
        PretrainedTags.Fetched fetched = JsonFiles.read(record, PretrainedTags.Fetched.class);
        checkTokenizerFiles(tag, folder, fetched);
        Path checkpoint = tag.download().equals("url") ? folder.resolve(fetched.file()) : folder;
        return new Resolved(checkpoint, null, tag, fetched.sha256());
    }

    /**
     * A Hugging Face tokenizer's files must be those recorded at download, as the weights are (they decide the token ids;
     * the weights' check does not cover them).
     */
    private static void checkTokenizerFiles(PretrainedTag tag, Path folder, PretrainedTags.Fetched fetched) {
        if (PretrainedTags.tokenizerRepo(tag).isPresent() && fetched.tokenizerFiles().isEmpty())
            throw new CheckpointException(folder.resolve(PretrainedTags.FETCHED_FILE) + ": records no tokenizer files for " + tag.name() + " (tokenizer "
                    + tag.tokenizer() + "); run 'clipmatch fetch-model " + tag.name() + "'");
        for (PretrainedTags.HubFile f : fetched.tokenizerFiles()) {
            Path file = folder.resolve(f.file());
            if (!Files.isRegularFile(file))
                throw new CheckpointException(file + ": missing (recorded when " + tag.name() + " was downloaded); run 'clipmatch fetch-model " + tag.name() + "'");
            String sha = Checksums.sha256(file);
            if (!sha.equalsIgnoreCase(f.sha256()))
                throw new CheckpointException(file + ": sha256 " + sha + " is not the one recorded when " + tag.name()
                        + " was downloaded (unconfirmed: none is published; changed or corrupt); run 'clipmatch fetch-model " + tag.name() + "'");
        }
    }
}
