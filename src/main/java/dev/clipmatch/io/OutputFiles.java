package dev.clipmatch.io;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.InputFileException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.Map;

/** Guards for outputs that sit beside a user's files: never an input, never someone else's file, one writer at a time. */
public final class OutputFiles {
    private OutputFiles() {}

    /** Refuses {@code output} when it is one of {@code inputs} (same path, or the same file by another name or link). */
    public static void refuseInput(Path output, Collection<Path> inputs) {
        Path out = output.toAbsolutePath().normalize();
        for (Path in : inputs) {
            boolean same = in.toAbsolutePath().normalize().equals(out);
            try {
                same |= Files.exists(output) && Files.exists(in) && Files.isSameFile(output, in);
            } catch (IOException e) {
                // unreadable input: reading it reports the problem
            }
            if (same) throw new InputFileException(output + ": is also an input of this run; write the output elsewhere");
        }
    }

    /**
     * Refuses to replace an existing {@code file} unless it is a JSON object holding every key of {@code signature}
     * (one this program wrote): a user's file of the same name is never overwritten.
     */
    public static void refuseForeign(Path file, Collection<String> signature, String whatWeWrite) {
        if (!Files.exists(file)) return;
        boolean ours;
        try {
            ours = Files.isRegularFile(file) && Files.size(file) < (64L << 20)
                    && JsonFiles.parseValue(new String(Files.readAllBytes(file), StandardCharsets.UTF_8), file.toString()) instanceof Map<?, ?> m && m.keySet().containsAll(signature);
        } catch (IOException | RuntimeException e) {
            ours = false;
        }
        if (!ours) throw new InputFileException(file + ": exists and is not a " + whatWeWrite + "; not overwritten (move it, or choose another output name)");
    }

    /** An exclusive lock on {@code output} (held through {@code .NAME.lock} beside it) until the channel is closed. */
    public static FileChannel lock(Path output) {
        Path lockFile = output.toAbsolutePath().resolveSibling("." + output.getFileName() + ".lock");
        try {
            Files.createDirectories(lockFile.getParent());
            FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new ClipMatchException(output + ": another clipmatch process is writing this output");
            }
            return channel;
        } catch (IOException e) {
            throw new ClipMatchException(output + ": cannot lock (" + e.getMessage() + ")", e);
        }
    }
}
