package dev.clipmatch.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.clipmatch.ClipMatchException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads against a local HTTP server: plain, resumed with Range, server ignoring Range, bad checksum, offline. */
class DownloaderTest {
    private final byte[] payload = new byte[300_000];
    private final List<String> ranges = new ArrayList<>();
    private final AtomicBoolean honourRange = new AtomicBoolean(true);
    private HttpServer server;
    private String url;
    private String sha;
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final Downloader downloader = new Downloader(new PrintStream(errBytes, true));

    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        new Random(7).nextBytes(payload);
        sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/ViT-Tiny.pt", ex -> {
            String range = ex.getRequestHeaders().getFirst("Range");
            synchronized (ranges) {
                ranges.add(range);
            }
            int from = 0;
            int status = 200;
            if (range != null && honourRange.get()) {
                from = Integer.parseInt(range.replace("bytes=", "").replace("-", ""));
                if (from >= payload.length) {
                    ex.sendResponseHeaders(416, -1);
                    ex.close();
                    return;
                }
                status = 206;
                ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (payload.length - 1) + "/" + payload.length);
            }
            ex.sendResponseHeaders(status, payload.length - from);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(payload, from, payload.length - from);
            }
        });
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort() + "/ViT-Tiny.pt";
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void downloadsAndVerifies() throws IOException {
        Path target = dir.resolve("cache/ViT-Tiny.pt");
        assertEquals(Downloader.Outcome.DOWNLOADED, downloader.fetch(url, sha, target));
        assertArrayEquals(payload, Files.readAllBytes(target));
        assertFalse(Files.exists(dir.resolve("cache/ViT-Tiny.pt.part")));
        assertEquals(Downloader.Outcome.ALREADY_PRESENT, downloader.fetch(url, sha, target));
        assertEquals(1, ranges.size(), "a verified file is not downloaded again");
    }

    @Test
    void resumesFromPartialFileWithRange() throws IOException {
        Path target = dir.resolve("ViT-Tiny.pt");
        Files.write(dir.resolve("ViT-Tiny.pt.part"), Arrays.copyOf(payload, 123_457));
        assertEquals(Downloader.Outcome.DOWNLOADED, downloader.fetch(url, sha, target));
        assertEquals(List.of("bytes=123457-"), ranges);
        assertArrayEquals(payload, Files.readAllBytes(target));
        assertTrue(errBytes.toString().contains("resuming"), errBytes.toString());
    }

    @Test
    void restartsWhenServerIgnoresRange() throws IOException {
        honourRange.set(false);
        Path target = dir.resolve("ViT-Tiny.pt");
        Files.write(dir.resolve("ViT-Tiny.pt.part"), Arrays.copyOf(payload, 1000));
        downloader.fetch(url, sha, target);
        assertArrayEquals(payload, Files.readAllBytes(target));
    }

    @Test
    void completePartialFileIsAcceptedOnRangeNotSatisfiable() throws IOException {
        Path target = dir.resolve("ViT-Tiny.pt");
        Files.write(dir.resolve("ViT-Tiny.pt.part"), payload);
        downloader.fetch(url, sha, target);
        assertArrayEquals(payload, Files.readAllBytes(target));
    }

    @Test
    void checksumMismatchIsRejectedAndDiscarded() {
        Path target = dir.resolve("ViT-Tiny.pt");
        String wrong = "0".repeat(64);
        ClipMatchException e = assertThrows(ClipMatchException.class, () -> downloader.fetch(url, wrong, target));
        assertTrue(e.getMessage().contains("checksum mismatch") && e.getMessage().contains(sha), e.getMessage());
        assertFalse(Files.exists(target));
        assertFalse(Files.exists(dir.resolve("ViT-Tiny.pt.part")));
    }

    @Test
    void corruptCachedFileIsReplaced() throws IOException {
        Path target = dir.resolve("ViT-Tiny.pt");
        Files.write(target, new byte[] {1, 2, 3});
        assertEquals(Downloader.Outcome.DOWNLOADED, downloader.fetch(url, sha, target));
        assertArrayEquals(payload, Files.readAllBytes(target));
    }

    @Test
    void offlineSaysWhereToPutTheFile() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        Path target = dir.resolve("ViT-Tiny.pt");
        ClipMatchException e = assertThrows(ClipMatchException.class, () -> downloader.fetch("http://127.0.0.1:" + port + "/ViT-Tiny.pt", sha, target));
        assertTrue(e.getMessage().contains("put it at " + target), e.getMessage());
    }

    @Test
    void httpErrorIsReported() {
        ClipMatchException e = assertThrows(ClipMatchException.class, () -> downloader.fetch(url.replace("ViT-Tiny", "missing"), sha, dir.resolve("x.pt")));
        assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
    }
}
