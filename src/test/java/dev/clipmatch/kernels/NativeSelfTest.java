package dev.clipmatch.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Runs the standalone native test binary (built by CMake with the kernels), which checks that every ISA
 * variant of the score micro-kernel (portable, AVX2, AVX-512) gives bit-identical results, for each
 * instruction set this CPU has.
 */
class NativeSelfTest {
    @Test
    void isaVariantsAgree() throws Exception {
        String repo = System.getenv().getOrDefault("CLIPMATCH_REPO", ".");
        Path binary = Path.of(repo, "target", "native", "clipmatch_cpu_tests");
        assertTrue(Files.isExecutable(binary), "native test binary missing: " + binary + " (mvn package builds it)");
        Process p = new ProcessBuilder(binary.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.contains(": 0 failed"), out);
    }
}
