package dev.clipmatch.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Headless Chromium driven over the DevTools protocol (a WebSocket on 127.0.0.1, JDK client): open a page, and
 * collect what it logged, what it requested and what its DOM says. One browser per instance; close it.
 */
final class Chromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");
    private static final long TIMEOUT_S = 90; // the build machine can be very busy

    /** What a page did while loading: its console and log errors, and every URL it requested. */
    record Visit(String sessionId, List<String> errors, List<String> requests) {}

    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = new ArrayList<>();

    /** The browser to use: $CLIPMATCH_CHROMIUM, else chromium / chromium-browser / google-chrome on the PATH. */
    static Optional<Path> find() {
        String env = System.getenv("CLIPMATCH_CHROMIUM");
        if (env != null && !env.isBlank()) return Optional.of(Path.of(env));
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            for (String name : List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) return Optional.of(p);
            }
        return Optional.empty();
    }

    Chromium(Path executable, Path profile) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(executable.toString(), "--headless", "--disable-gpu", "--remote-debugging-port=0",
                "--remote-debugging-address=127.0.0.1", "--user-data-dir=" + profile, "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1200,900", "about:blank"));
        if ("root".equals(System.getProperty("user.name"))) cmd.add(1, "--no-sandbox"); // Chromium refuses to sandbox as root
        process = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        CompletableFuture<String> endpoint = new CompletableFuture<>();
        StringBuilder log = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) { // keep draining, or the browser blocks on a full pipe
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) endpoint.complete(m.group(1));
                    else if (!endpoint.isDone()) log.append(line).append('\n');
                }
            } catch (IOException ignored) {
                // the browser went away; the endpoint future reports it
            }
            endpoint.completeExceptionally(new IllegalStateException("Chromium exited before listening:\n" + log));
        }, "chromium-stderr");
        reader.setDaemon(true);
        reader.start();
        String ws = endpoint.get(TIMEOUT_S, TimeUnit.SECONDS);
        socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(ws), new Listener()).get(TIMEOUT_S, TimeUnit.SECONDS);
    }

    /** Opens {@code url} in a new tab, waits for its load event, and reports what it logged and requested. */
    Visit open(String url) throws Exception {
        String target = call(null, "Target.createTarget", Map.of("url", "about:blank")).get("targetId").asText();
        String session = call(null, "Target.attachToTarget", Map.of("targetId", target, "flatten", true)).get("sessionId").asText();
        for (String domain : List.of("Page", "Runtime", "Log", "Network")) call(session, domain + ".enable", Map.of());
        int from;
        synchronized (events) {
            from = events.size();
        }
        call(session, "Page.navigate", Map.of("url", url));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        synchronized (events) {
            while (events.subList(from, events.size()).stream().noneMatch(e -> isEvent(e, session, "Page.loadEventFired"))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new AssertionError("no load event from " + url + " within " + TIMEOUT_S + " s");
                events.wait(Math.max(1, left / 1_000_000));
            }
        }
        // Let late console messages and log entries arrive: one round trip after the load event.
        call(session, "Runtime.evaluate", Map.of("expression", "1"));
        List<String> errors = new ArrayList<>(), requests = new ArrayList<>();
        synchronized (events) {
            for (JsonNode e : events.subList(from, events.size())) {
                if (!session.equals(e.path("sessionId").asText())) continue;
                JsonNode p = e.path("params");
                switch (e.path("method").asText()) {
                    case "Runtime.consoleAPICalled" -> {
                        String type = p.path("type").asText();
                        if (type.equals("error") || type.equals("assert")) errors.add("console." + type + ": " + p.path("args"));
                    }
                    case "Runtime.exceptionThrown" -> errors.add("exception: " + p.path("exceptionDetails"));
                    case "Log.entryAdded" -> {
                        if (p.path("entry").path("level").asText().equals("error")) errors.add("log: " + p.path("entry").path("text").asText());
                    }
                    case "Network.requestWillBeSent" -> requests.add(p.path("request").path("url").asText());
                    default -> { }
                }
            }
        }
        return new Visit(session, errors, requests);
    }

    /** The value of a JavaScript expression in the page (JSON-serialisable results only). */
    JsonNode evaluate(Visit page, String expression) throws Exception {
        JsonNode r = call(page.sessionId(), "Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
        if (r.has("exceptionDetails")) throw new AssertionError("evaluating " + expression + ": " + r.get("exceptionDetails"));
        return r.path("result").path("value");
    }

    /** A PNG of the viewport (width x height CSS pixels from the top of the page). */
    void screenshot(Visit page, Path file, int width, int height) throws Exception {
        call(page.sessionId(), "Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height, "deviceScaleFactor", 1, "mobile", false));
        JsonNode r = call(page.sessionId(), "Page.captureScreenshot", Map.of("format", "png"));
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(r.get("data").asText()));
    }

    private JsonNode call(String session, String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        msg.set("params", JSON.valueToTree(params));
        if (session != null) msg.put("sessionId", session);
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        socket.sendText(JSON.writeValueAsString(msg), true).get(TIMEOUT_S, TimeUnit.SECONDS);
        JsonNode r = reply.get(TIMEOUT_S, TimeUnit.SECONDS);
        if (r.has("error")) throw new AssertionError(method + ": " + r.get("error"));
        return r.path("result");
    }

    private static boolean isEvent(JsonNode e, String session, String method) {
        return session.equals(e.path("sessionId").asText()) && method.equals(e.path("method").asText());
    }

    @Override
    public void close() throws Exception {
        try {
            call(null, "Browser.close", Map.of());
        } catch (Exception e) {
            // already gone: the process checks below still end it
        }
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(20, TimeUnit.SECONDS);
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode msg = JSON.readTree(partial.toString());
                    if (msg.has("id")) {
                        CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asInt());
                        if (f != null) f.complete(msg);
                    } else {
                        synchronized (events) {
                            events.add(msg);
                            events.notifyAll();
                        }
                    }
                } catch (IOException e) {
                    pending.values().forEach(f -> f.completeExceptionally(e));
                }
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }
    }
}
