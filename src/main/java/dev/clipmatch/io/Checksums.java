package dev.clipmatch.io;

import dev.clipmatch.InputFileException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** SHA-256 of files, the identity of a checkpoint in downloads and output sidecars. */
public final class Checksums {
    private Checksums() {}

    public static String sha256(Path file) {
        return sha256(List.of(file));
    }

    /** SHA-256 of the files' bytes one after the other (a sharded checkpoint's identity). */
    public static String sha256(List<Path> files) {
        MessageDigest md = newDigest();
        byte[] buf = new byte[1 << 20];
        for (Path file : files) {
            try (InputStream in = Files.newInputStream(file)) {
                for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            } catch (IOException e) {
                throw new InputFileException(file + ": cannot read (" + e.getMessage() + ")", e);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
