package dev.clipmatch.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Benchmark harness for the one-read image path: wall time of a pass over the JPEGs of a directory, the way
 * sweep/embed did it before (every file hashed by a pass of its own, then read again to be decoded) against
 * one read per file (hashed and decoded from the same bytes), alternating the two sides, for a cold cache (all
 * decoded) and a warm one (nothing decoded). Prints the median of each side per case as one JSON object.
 *
 * <p>Usage: {@code ReadOnceBench DIR [--rounds 7] [--repeat 4] [--threads 2]} (the list is the directory's JPEGs
 * repeated {@code repeat} times; files stay in the page cache, so this measures CPU, not the disk).
 */
public final class ReadOnceBench {
    private ReadOnceBench() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        int rounds = 7, repeat = 4, threads = 2;
        for (int i = 1; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--repeat" -> repeat = Integer.parseInt(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        List<Path> jpegs;
        try (Stream<Path> s = Files.list(dir)) {
            jpegs = s.filter(p -> p.toString().toLowerCase().endsWith(".jpg")).sorted().toList();
        }
        List<Path> images = new ArrayList<>();
        for (int r = 0; r < repeat; r++) images.addAll(jpegs);
        ImagePreprocessor pre = new ImagePreprocessor(PreprocessConfig.preset("clip-224"));
        for (boolean cold : new boolean[] {true, false}) {
            Predicate<byte[]> decodeIf = sha256 -> cold;
            double[] twoReads = new double[rounds], oneRead = new double[rounds];
            pass(images, pre, threads, decodeIf, true);  // warm-up: JIT, page cache
            pass(images, pre, threads, decodeIf, false);
            for (int r = 0; r < rounds; r++) {
                // Alternate which side goes first, so drift in the machine's load falls on both.
                if (r % 2 == 0) {
                    twoReads[r] = pass(images, pre, threads, decodeIf, true);
                    oneRead[r] = pass(images, pre, threads, decodeIf, false);
                } else {
                    oneRead[r] = pass(images, pre, threads, decodeIf, false);
                    twoReads[r] = pass(images, pre, threads, decodeIf, true);
                }
            }
            System.out.printf("{\"case\":\"%s\",\"images\":%d,\"threads\":%d,\"rounds\":%d,\"two_reads_s\":%.4f,\"one_read_s\":%.4f}%n",
                    cold ? "cold cache (all decoded)" : "warm cache (none decoded)", images.size(), threads, rounds, median(twoReads), median(oneRead));
        }
    }

    /** One pass; {@code hashFirst}: the former flow, a hashing pass over the files before the loader reads them again. */
    private static double pass(List<Path> images, ImagePreprocessor pre, int threads, Predicate<byte[]> decodeIf, boolean hashFirst) {
        long start = System.nanoTime();
        long rows = 0;
        if (hashFirst) {
            // The former hashing pass: each file streamed through SHA-256, files in parallel.
            long hashed = images.parallelStream().map(ReadOnceBench::sha256).filter(k -> k.length == 32).count();
            if (hashed != images.size()) throw new IllegalStateException();
        }
        // The former flow decoded what its hashing pass found missing: with the same filter, the same images.
        try (ImageBatchLoader loader = new ImageBatchLoader(hashFirst ? (decodeIf.test(null) ? images : List.of()) : images, pre, 32, threads, false,
                hashFirst ? sha256 -> true : decodeIf)) {
            for (ImageBatch b : loader) rows += b.count();
        }
        if (rows < 0) throw new IllegalStateException();
        return (System.nanoTime() - start) / 1e9;
    }

    private static byte[] sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return md.digest();
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
