package dev.clipmatch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.cli.Main;
import dev.clipmatch.ClipMatchException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {
    @TempDir
    Path cache;

    @Test
    void listsTheFourOpenAiVitModelsWithSelfCheckingUrls() {
        List<String> names = ModelRegistry.all().stream().map(ModelEntry::name).toList();
        assertTrue(names.containsAll(List.of("ViT-B-32", "ViT-B-16", "ViT-L-14", "ViT-L-14-336")), names.toString());
        for (ModelEntry e : ModelRegistry.all()) {
            // OpenAI's URLs embed the file's sha256 as a path segment
            assertTrue(e.url().contains("/" + e.sha256() + "/" + e.file()), e.name() + ": " + e.url());
            assertEquals(64, e.sha256().length());
            assertEquals("torchscript", e.format());
            assertTrue(e.tokenizer() != null && e.tokenizer().file().endsWith(".txt.gz"), e.name());
        }
        assertEquals(336, ModelRegistry.require("ViT-L/14@336px").imageResolution());
        assertEquals("ViT-B-32", ModelRegistry.require("vit-b/32").name());
    }

    @Test
    void resolvesNamesToTheCacheAndExplainsMissingFiles() {
        ClipMatchException e = assertThrows(ClipMatchException.class, () -> ModelCache.resolve("ViT-B-32", cache));
        assertTrue(e.getMessage().contains("fetch-model ViT-B-32") && e.getMessage().contains(cache.resolve("ViT-B-32.pt").toString()), e.getMessage());
        ClipMatchException unknown = assertThrows(ClipMatchException.class, () -> ModelCache.resolve("ViT-Z-99", cache));
        assertTrue(unknown.getMessage().contains("ViT-Z-99") && unknown.getMessage().contains("ViT-B-32"), unknown.getMessage());
        Path tiny = TinyModels.openClip();
        assertEquals(tiny, ModelCache.resolve(tiny.toString(), cache).checkpoint());
    }

    @Test
    void modelsCommandListsEntriesAndCacheState() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try {
            assertEquals(0, Main.run("models", "--cache-dir", cache.toString(), "--json"));
        } finally {
            System.setOut(old);
        }
        String out = buf.toString();
        assertTrue(out.contains("\"name\": \"ViT-L-14-336\"") && out.contains("\"cached\": false"), out);
    }

    @Test
    void unknownModelIsABadInputExit() {
        assertEquals(2, Main.run("fetch-model", "ViT-Z-99", "--cache-dir", cache.toString()));
    }
}
