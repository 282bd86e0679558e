package dev.clipmatch.pipeline;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.io.AtomicFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A run folder replaced as a whole: a run writes every file into {@code RUN_DIR/.staging-ID/}, and only when all
 * are written are they moved in, {@code report.json} last. The previous {@code report.json} is removed before
 * the first move, so at every instant the folder holds either the complete previous run (with its report.json),
 * the complete new one, or, after a crash inside the moves, files without a report.json: a folder that never
 * presents a result made of two runs. A failed or killed run leaves the previous one untouched; its staging
 * folder and any temporary file are removed when the next run opens the folder. One writer at a time: the
 * folder's {@code .lock} is held from opening to closing, so a second run into it stops at once with one line.
 */
final class RunFolder implements AutoCloseable {
    static final String STAGING_PREFIX = ".staging-";
    /** The file whose presence marks a complete run: written last. */
    static final String COMMIT_FILE = "report.json";

    private final Path dir;
    private final Path staging;
    private final FileChannel lockFile;

    RunFolder(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            lockFile = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = lockFile.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                lockFile.close();
                throw new ClipMatchException(dir + ": another clipmatch run is writing this run folder");
            }
            cleanDebris(dir);
            staging = Files.createDirectory(dir.resolve(STAGING_PREFIX + UUID.randomUUID()));
        } catch (IOException e) {
            throw new ClipMatchException(dir + ": cannot prepare the run folder (" + e.getMessage() + ")", e);
        }
    }

    /** Where the run writes {@code name}; it reaches the run folder at {@link #commit()}. */
    Path file(String name) {
        return staging.resolve(name);
    }

    /** Moves every staged file in, {@value #COMMIT_FILE} last, and removes the staging folder. */
    void commit() {
        try {
            List<Path> staged = new ArrayList<>();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(staging)) {
                files.forEach(staged::add);
            }
            Files.deleteIfExists(dir.resolve(COMMIT_FILE));
            AtomicFiles.syncDirectory(dir);
            for (Path p : staged) {
                if (!p.getFileName().toString().equals(COMMIT_FILE)) move(p);
            }
            Path report = staging.resolve(COMMIT_FILE);
            if (Files.exists(report)) {
                AtomicFiles.syncDirectory(dir);
                move(report);
            }
            Files.delete(staging);
            AtomicFiles.syncDirectory(dir);
        } catch (IOException e) {
            throw new ClipMatchException(dir + ": cannot complete the run folder (" + e.getMessage() + ")", e);
        }
    }

    /** Drops what was staged; the run folder keeps the previous run. */
    void abandon() {
        deleteTree(staging);
    }

    /** Releases the folder's lock (and with it the lock file's only use). */
    @Override
    public void close() {
        try {
            lockFile.close();
        } catch (IOException e) {
            throw new ClipMatchException(dir + ": cannot release the run folder lock (" + e.getMessage() + ")", e);
        }
    }

    private void move(Path staged) throws IOException {
        Files.move(staged, dir.resolve(staged.getFileName().toString()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Staging folders and temporary files of runs that were killed; nothing else is touched. */
    static void cleanDebris(Path dir) throws IOException {
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(dir, STAGING_PREFIX + "*")) {
            for (Path p : stale) if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) deleteTree(p);
        }
        AtomicFiles.cleanDebris(dir);
    }

    private static void deleteTree(Path root) {
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            // best effort: what remains is removed by the next run's cleanDebris
        }
    }
}
