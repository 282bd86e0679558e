package dev.clipmatch.io;

import dev.clipmatch.ClipMatchException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Writes files through a temporary sibling and a rename, so a reader never sees a half-written output. The data
 * is forced to disk before the rename and the directory after it, so a power cut leaves the old file or the new
 * one; the file is created with the process's umask (like any other output), not the 0600 of a temp file.
 */
public final class AtomicFiles {
    /** Temporary siblings are named {@code .NAME.RANDOM.tmp}; a crash may leave one, which {@link #cleanDebris} removes. */
    public static final String TMP_SUFFIX = ".tmp";

    private static final SecureRandom RANDOM = new SecureRandom();

    /** The body that fills the temporary file. */
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private AtomicFiles() {}

    public static void write(Path target, Writer body) {
        Path abs = target.toAbsolutePath();
        Path tmp = null;
        try {
            if (abs.getParent() != null) Files.createDirectories(abs.getParent());
            if (Files.isDirectory(abs)) throw new ClipMatchException(target + ": is a directory, cannot write a file there");
            FileChannel channel = null;
            while (channel == null) {
                tmp = abs.resolveSibling("." + abs.getFileName() + "." + randomHex() + TMP_SUFFIX);
                try {
                    channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                } catch (FileAlreadyExistsException e) {
                    tmp = null;  // another writer's: draw another name
                }
            }
            try (FileChannel ch = channel; OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16)) {
                body.write(out);
                out.flush();
                ch.force(true);
            }
            move(tmp, abs);
            tmp = null;
        } catch (IOException e) {
            throw new ClipMatchException(target + ": cannot write (" + e.getMessage() + ")", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the directory is gone or unwritable; a later run's cleanDebris removes it
                }
            }
        }
    }

    /** Renames a finished file (a verified download) to {@code target}, replacing it in one step where the file system can. */
    public static void moveIntoPlace(Path finished, Path target) {
        try {
            move(finished, target);
        } catch (IOException e) {
            throw new ClipMatchException(target + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    /** Renames, then forces the directory entry to disk (so a power cut keeps the old file or the new one). */
    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
        syncDirectory(to.toAbsolutePath().getParent());
    }

    public static void writeString(Path target, String text) {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Forces a directory's entries (renames, creations) to disk; a no-op where the platform cannot open directories. */
    public static void syncDirectory(Path dir) {
        if (dir == null) return;
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Linux and macOS allow this; elsewhere the rename is still atomic, only its durability is the OS's
        }
    }

    /** Removes the temporary files a killed writer left in {@code dir} (only names this class makes); returns how many. */
    public static int cleanDebris(Path dir) {
        return cleanDebris(dir, null);
    }

    /**
     * Removes the temporary files a killed writer of {@code target} left beside it, and no other's (a writer of
     * another output in the same folder may be at work); call it while holding the output's lock. Returns how many.
     */
    public static int cleanDebrisOf(Path target) {
        Path abs = target.toAbsolutePath();
        return cleanDebris(abs.getParent(), abs.getFileName().toString());
    }

    /** Temporary files of {@code target} (a file name), or of any name if it is null; names compared literally, not as globs. */
    private static int cleanDebris(Path dir, String target) {
        int removed = 0;
        if (dir == null || !Files.isDirectory(dir)) return 0;
        try (var entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                // .NAME.<16 hex>.tmp
                int end = name.length() - TMP_SUFFIX.length();
                if (!name.startsWith(".") || !name.endsWith(TMP_SUFFIX) || end < 18 || name.charAt(end - 17) != '.'
                        || !name.substring(end - 16, end).chars().allMatch(c -> Character.digit(c, 16) >= 0)) continue;
                if (target != null && !name.substring(1, end - 17).equals(target)) continue;
                if (Files.isRegularFile(p) && Files.deleteIfExists(p)) removed++;
            }
        } catch (IOException e) {
            throw new ClipMatchException(dir + ": cannot clean temporary files (" + e.getMessage() + ")", e);
        }
        return removed;
    }

    private static String randomHex() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
