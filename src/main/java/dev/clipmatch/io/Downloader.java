package dev.clipmatch.io;

import dev.clipmatch.ClipMatchException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;

/**
 * Downloads a file into place with SHA-256 verification. Bytes go to {@code NAME.part}; an interrupted download
 * resumes from there with an HTTP Range request; only a verified file is renamed to its final name.
 */
public final class Downloader {
    private final HttpClient client;
    private final PrintStream err;

    public Downloader(PrintStream err) {
        this.client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL).connectTimeout(Duration.ofSeconds(20)).build();
        this.err = err;
    }

    public enum Outcome { ALREADY_PRESENT, DOWNLOADED }

    /** Makes {@code target} hold the file at {@code url} with the given sha256 (lower-case hex). */
    public Outcome fetch(String url, String sha256, Path target) {
        if (Files.isRegularFile(target)) {
            String have = Checksums.sha256(target);
            if (have.equalsIgnoreCase(sha256)) return Outcome.ALREADY_PRESENT;
            err.println("clipmatch: " + target + " has sha256 " + have + ", expected " + sha256 + "; downloading it again");
        }
        Path part = transfer(url, sha256, target, false);
        String got = Checksums.sha256(part);
        if (!got.equalsIgnoreCase(sha256)) {
            try {
                Files.deleteIfExists(part);
            } catch (IOException ignored) {
                // nothing more to do: the error below says what happened
            }
            throw new ClipMatchException("checksum mismatch for " + url + ": expected sha256 " + sha256 + ", got " + got + " (the download was discarded)");
        }
        AtomicFiles.moveIntoPlace(part, target);
        return Outcome.DOWNLOADED;
    }

    /**
     * Downloads a file whose checksum is not published into {@code target} (resuming a partial {@code NAME.part}) and
     * returns the sha256 of what arrived, for the caller to record; empty when the server has no such file (HTTP 404).
     */
    public Optional<String> fetchUnpublished(String url, Path target) {
        Path part = transfer(url, null, target, true);
        if (part == null) return Optional.empty();
        String got = Checksums.sha256(part);
        AtomicFiles.moveIntoPlace(part, target);
        return Optional.of(got);
    }

    /** Downloads into {@code target}'s .part file and returns it; null when {@code missingOk} and the server answers 404. */
    private Path transfer(String url, String sha256, Path target, boolean missingOk) {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
            return download(url, part, missingOk) ? part : null;
        } catch (ConnectException | UnknownHostException | HttpConnectTimeoutException e) {
            throw offline(url, sha256, target, e);
        } catch (HttpTimeoutException e) {
            throw new ClipMatchException("download of " + url + " timed out; run the command again to resume (" + part + " is kept)");
        } catch (IOException e) {
            if (e.getCause() instanceof ConnectException || e.getCause() instanceof UnknownHostException) throw offline(url, sha256, target, e);
            throw new ClipMatchException("download of " + url + " failed (" + e + "); run the command again to resume from " + part);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClipMatchException("download of " + url + " interrupted; run the command again to resume from " + part);
        }
    }

    /** False when {@code missingOk} and the file does not exist there (HTTP 404). */
    private boolean download(String url, Path part, boolean missingOk) throws IOException, InterruptedException {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5)).GET();
        if (have > 0) req.header("Range", "bytes=" + have + "-");
        HttpResponse<InputStream> resp = client.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        int status = resp.statusCode();
        boolean append;
        if (status == 206 && have > 0) {
            append = true;
            err.println("clipmatch: resuming " + url + " at byte " + have);
        } else if (status == 416 && have > 0) {
            resp.body().close();
            return true; // the partial file is already complete; the checksum decides
        } else if (status == 200) {
            append = false;
            have = 0;
        } else {
            resp.body().close();
            if (status == 404 && missingOk) return false;
            throw new ClipMatchException("download of " + url + " failed: HTTP " + status);
        }
        long length = resp.headers().firstValueAsLong("Content-Length").orElse(-1);
        Progress progress = new Progress(err, "download " + part.getFileName().toString().replace(".part", ""), "bytes",
                length >= 0 ? have + length : 0, 2.0);
        progress.resumedFrom(have);
        long done = have;
        try (InputStream in = resp.body();
             OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
                done += n;
                progress.update(done);
            }
        }
        if (length >= 0 && done != have + length)
            throw new IOException("connection closed after " + done + " of " + (have + length) + " bytes");
        return true;
    }

    private static ClipMatchException offline(String url, String sha256, Path target, Exception e) {
        return new ClipMatchException("cannot reach " + URI.create(url).getHost() + " (" + e.getClass().getSimpleName()
                + (e.getMessage() != null ? ": " + e.getMessage() : "") + "); offline? Download " + url + " elsewhere and put it at "
                + target + (sha256 != null ? " (sha256 " + sha256 + ")" : ""));
    }
}
