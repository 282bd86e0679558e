package dev.clipmatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.model.TinyModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's runnable API example (tools/ApiExample.java) still compiles and runs, with the tiny fixture model. */
class ApiExampleTest {
    @TempDir
    Path dir;

    @Test
    void exampleRuns() throws Exception {
        String repo = System.getenv().getOrDefault("CLIPMATCH_REPO", ".");
        Path model = Files.copy(TinyModels.torchScript(), dir.resolve("tiny.pt"));
        Files.copy(TestData.path("clip/bpe_simple_vocab_16e6.txt.gz"), dir.resolve("bpe_simple_vocab_16e6.txt.gz"));
        String cp = Path.of(repo, "target", "classes") + ":" + Files.readString(Path.of(repo, "target", "classpath.txt")).strip();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = List.of(java.toString(), "-cp", cp, "-Dorg.bytedeco.javacpp.cachedir=" + Path.of(repo, "target", "javacpp-cache"),
                Path.of(repo, "tools", "ApiExample.java").toString(), model.toString(),
                TestData.path("coco/000000039769.png").toString(), TestData.path("skimage/rocket.jpg").toString(), "--",
                "two cats on a pink couch", "a rocket on the launch pad");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains("best caption") && out.contains("image->text") && out.contains("Sampled: 2 images x 20 iterations"), out);
    }
}
