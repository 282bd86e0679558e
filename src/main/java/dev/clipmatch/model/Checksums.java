package dev.clipmatch.model;

import dev.clipmatch.cli.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of files, the identity of a checkpoint in downloads and output sidecars. */
public final class Checksums {
    private Checksums() {}

    public static String sha256(Path file) {
        MessageDigest md = newDigest();
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * The checksum of a large file, remembered in a {@code .sha256} sibling keyed by size and modification time so
     * that repeated runs over a multi-GB checkpoint do not hash it again (plain hashing when that file cannot be written).
     */
    public static String sha256Cached(Path file) {
        Path memo = file.resolveSibling(file.getFileName() + ".sha256");
        try {
            String key = Files.size(file) + " " + Files.getLastModifiedTime(file).toMillis();
            if (Files.isRegularFile(memo)) {
                String[] parts = Files.readString(memo).trim().split("\\s+");
                if (parts.length == 3 && (parts[1] + " " + parts[2]).equals(key)) return parts[0];
            }
            String sha = sha256(file);
            try {
                Files.writeString(memo, sha + " " + key + "\n");
            } catch (IOException ignored) {
                // read-only model directory: hash again next time
            }
            return sha;
        } catch (IOException e) {
            throw new UserError(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
