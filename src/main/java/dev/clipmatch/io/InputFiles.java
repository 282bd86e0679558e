package dev.clipmatch.io;

import dev.clipmatch.InputFileException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;

/**
 * The one way input files are read whole: only regular files are opened (a FIFO or a device would block or
 * never end) and never more than a limit is read, whatever size the file claims or grows to meanwhile.
 */
public final class InputFiles {
    /** Caption files, vocabularies and other text inputs: the largest real one (COCO's captions) is 2.5 MB. */
    public static final long TEXT_LIMIT = 1L << 30;

    private InputFiles() {}

    /** Refuses anything but an existing regular file (following links), with a one-line message naming it. */
    public static BasicFileAttributes requireRegular(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (attributes.isDirectory()) throw new InputFileException(file + ": is a directory, not a file");
            if (!attributes.isRegularFile()) throw new InputFileException(file + ": not a regular file (a pipe, socket or device), not read");
            return attributes;
        } catch (IOException e) {
            throw readError(file, e);
        }
    }

    /** All bytes of a regular file of at most {@code limit} bytes. */
    public static byte[] readAll(Path file, long limit) {
        long size = requireRegular(file).size();
        if (size > limit) throw new InputFileException(file + ": file too large (" + size + " bytes, the limit is " + limit + ")");
        try (InputStream in = Files.newInputStream(file)) {
            // Into an array of the stated size (one copy, not chunks joined); a file that shrank or grew meanwhile is
            // read to its real end, and never past the limit.
            byte[] head = new byte[(int) Math.min(size, Integer.MAX_VALUE - 8)];
            int n = in.readNBytes(head, 0, head.length);
            if (n < head.length) return Arrays.copyOf(head, n);
            byte[] rest = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8 - n, limit + 1 - n));
            if (rest.length == 0) return head;
            if (n + (long) rest.length > limit) throw new InputFileException(file + ": file too large (more than " + limit + " bytes)");
            byte[] bytes = Arrays.copyOf(head, n + rest.length);
            System.arraycopy(rest, 0, bytes, n, rest.length);
            return bytes;
        } catch (IOException e) {
            throw readError(file, e);
        }
    }

    private static InputFileException readError(Path file, IOException e) {
        if (e instanceof NoSuchFileException) return new InputFileException(file + ": no such file");
        if (e instanceof AccessDeniedException) return new InputFileException(file + ": permission denied");
        return new InputFileException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
}
