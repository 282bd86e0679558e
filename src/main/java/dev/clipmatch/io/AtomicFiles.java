package dev.clipmatch.io;

import dev.clipmatch.ClipMatchException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Writes files through a temporary sibling and a rename, so a reader never sees a half-written output. */
public final class AtomicFiles {

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
            tmp = Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".", ".tmp");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                body.write(out);
            }
            move(tmp, abs);
        } catch (IOException e) {
            throw new ClipMatchException(target + ": cannot write (" + e.getMessage() + ")", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the rename already happened or the directory is gone; nothing left to clean
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

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public static void writeString(Path target, String text) {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }
}
