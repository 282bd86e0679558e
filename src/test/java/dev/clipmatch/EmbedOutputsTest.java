package dev.clipmatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.io.OutputFiles;
import dev.clipmatch.model.TinyModels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code embed} never overwrites a user's file, never writes over its own input, and refuses a second concurrent writer. */
class EmbedOutputsTest {
    @TempDir
    Path dir;

    Path model, texts;

    @BeforeEach
    void setUp() throws Exception {
        Path modelDir = Files.createDirectories(dir.resolve("model"));
        model = Files.copy(TinyModels.torchScript(), modelDir.resolve("tiny.pt"));
        Files.copy(TestData.path("clip/bpe_simple_vocab_16e6.txt.gz"), modelDir.resolve("bpe_simple_vocab_16e6.txt.gz"));
        texts = Files.write(dir.resolve("captions.txt"), List.of("a dog", "a cat on a sofa"));
    }

    private CliRun embed(Path input, Path out) {
        return CliRun.of("embed", "--model", model.toString(), "--texts", input.toString(), "--out", out.toString(), "--cache-dir", dir.resolve("cache").toString());
    }

    private static void assertRefused(CliRun r, String expected) {
        assertEquals(2, r.code(), r.err());
        List<String> ours = r.err().lines().filter(l -> l.startsWith("clipmatch: ")).toList();
        assertEquals(1, ours.size(), r.err());
        assertTrue(ours.get(0).contains(expected), r.err());
    }

    @Test
    void aForeignFileNamedLikeTheSidecarIsKept() throws Exception {
        byte[] dataset = Files.readAllBytes(TestData.path("flickr30k/flickr30k_karpathy_test.json"));
        Path sidecar = Files.write(dir.resolve("flickr30k.json"), dataset);
        assertRefused(embed(texts, dir.resolve("flickr30k.npy")), sidecar + ": exists and is not a clipmatch embedding sidecar; not overwritten");
        assertArrayEquals(dataset, Files.readAllBytes(sidecar));
        // Its own sidecar is replaced on a rerun.
        Path out = dir.resolve("e.npy");
        assertEquals(0, embed(texts, out).code());
        CliRun again = embed(texts, out);
        assertEquals(0, again.code(), again.err());
    }

    @Test
    void theOutputIsNeverAnInput() throws Exception {
        assertRefused(embed(texts, texts), texts + ": is also an input of this run");
        Path json = Files.write(dir.resolve("texts.json"), List.of("a dog"));
        assertRefused(embed(json, dir.resolve("texts.npy")), json + ": is also an input of this run");
        assertEquals(List.of("a dog"), Files.readAllLines(json));
    }

    @Test
    void aSecondWriterIsRefused() throws Exception {
        Path out = dir.resolve("e.npy");
        try (FileChannel held = OutputFiles.lock(out)) {
            assertRefused(embed(texts, out), out + ": another clipmatch process is writing this output");
        }
        assertEquals(0, embed(texts, out).code());
    }
}
