package dev.clipmatch.io;

import dev.clipmatch.ClipMatchException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * SHA-256, the one content hash of clipmatch: a checkpoint's identity in downloads and sidecars, and the keys of
 * the embedding cache (a caption's text, an image's bytes: hashed by {@code ImageBatchLoader} where they are decoded).
 */
public final class Checksums {
    private Checksums() {}

    public static String sha256(Path file) {
        return sha256(List.of(file));
    }

    /** SHA-256 of the files' bytes one after the other (a sharded checkpoint's identity), in hex. */
    public static String sha256(List<Path> files) {
        MessageDigest md = newDigest();
        for (Path file : files) update(md, file, new byte[1 << 20]);
        return HexFormat.of().formatHex(md.digest());
    }

    /** SHA-256 of a text's UTF-8 bytes. */
    public static byte[] sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] sha256(byte[] bytes) {
        return newDigest().digest(bytes);
    }

    private static void update(MessageDigest md, Path file, byte[] buf) {
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        } catch (IOException e) {
            throw new ClipMatchException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
