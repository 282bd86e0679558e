package dev.clipmatch.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.TestData;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.InputFileException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both vocabulary forms, model-directory lookup, the default location and malformed files. */
class VocabularyLoadingTest {
    @TempDir
    Path tmp;

    private static Path gz() {
        return TestData.path("clip/bpe_simple_vocab_16e6.txt.gz");
    }

    @Test
    void directoriesAndEitherFileOfTheHuggingFaceFormLoad() {
        Path hfDir = TestData.path("clip/hf_tokenizer");
        int[] expected = ClipTokenizer.load(gz()).encode("Two dogs play in the snow.");
        assertArrayEquals(expected, ClipTokenizer.load(hfDir).encode("Two dogs play in the snow."));
        assertArrayEquals(expected, ClipTokenizer.load(hfDir.resolve("merges.txt")).encode("Two dogs play in the snow."));
        assertArrayEquals(expected, ClipTokenizer.load(gz().getParent()).encode("Two dogs play in the snow."));
    }

    @Test
    void findInLooksInTheModelDirectoryAndItsTokenizerFolder() throws IOException {
        assertEquals(Optional.empty(), ClipTokenizer.findIn(tmp));
        Path tokDir = Files.createDirectories(tmp.resolve("tokenizer"));
        Files.copy(TestData.path("clip/hf_tokenizer/vocab.json"), tokDir.resolve("vocab.json"));
        assertEquals(Optional.empty(), ClipTokenizer.findIn(tmp), "vocab.json without merges.txt");
        Files.copy(TestData.path("clip/hf_tokenizer/merges.txt"), tokDir.resolve("merges.txt"));
        assertEquals(Optional.of(tokDir.resolve("vocab.json")), ClipTokenizer.findIn(tmp));
        Files.copy(gz(), tmp.resolve("bpe_simple_vocab_16e6.txt.gz"));
        assertEquals(Optional.of(tmp.resolve("bpe_simple_vocab_16e6.txt.gz")), ClipTokenizer.findIn(tmp));
        assertEquals(49408, ClipTokenizer.load(tmp).vocabSize());
    }

    @Test
    void defaultVocabularyComesFromTheEnvironmentOrTheCache() throws IOException {
        assertEquals(Path.of("/x/v.gz"), ClipTokenizer.defaultVocabulary(Map.of("CLIPMATCH_VOCAB", "/x/v.gz"), "/home"));
        InputFileException missing = assertThrows(InputFileException.class,
                () -> ClipTokenizer.defaultVocabulary(Map.of("CLIPMATCH_CACHE", tmp.toString()), "/home"));
        assertTrue(missing.getMessage().contains("CLIPMATCH_VOCAB") && !missing.getMessage().contains("--"), missing.getMessage());
        assertEquals(Optional.of(ClipMatchException.Remedy.VOCABULARY_PATH), missing.remedy());
        Files.copy(gz(), tmp.resolve("bpe_simple_vocab_16e6.txt.gz"));
        assertEquals(tmp.resolve("bpe_simple_vocab_16e6.txt.gz"),
                ClipTokenizer.defaultVocabulary(Map.of("CLIPMATCH_CACHE", tmp.toString()), "/home"));
        Path home = Files.createDirectories(tmp.resolve("home/.cache/clipmatch"));
        Files.copy(gz(), home.resolve("bpe_simple_vocab_16e6.txt.gz"));
        assertEquals(home.resolve("bpe_simple_vocab_16e6.txt.gz"),
                ClipTokenizer.defaultVocabulary(Map.of(), tmp.resolve("home").toString()));
    }

    private Path gzipOf(String name, String text) throws IOException {
        Path p = tmp.resolve(name);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return p;
    }

    private void assertUserError(Path path, String expectedPart) {
        ClipMatchException e = assertThrows(ClipMatchException.class, () -> ClipTokenizer.load(path));
        assertTrue(e.getMessage().contains(expectedPart), e.getMessage());
        assertTrue(e.getMessage().contains(path.getFileName().toString()), "names the file: " + e.getMessage());
    }

    @Test
    void malformedVocabulariesAreUserErrorsNamingTheFile() throws IOException {
        assertUserError(tmp.resolve("missing.gz"), "no such");
        Path notGzip = Files.writeString(tmp.resolve("plain.gz"), "not gzip");
        assertUserError(notGzip, "not a gzip file");
        assertUserError(gzipOf("short.txt.gz", "#version: 0.2\ni n\nt h\n"), "2 merges");
        assertUserError(gzipOf("bad.txt.gz", "#version: 0.2\ni n\nthree parts here\n"), "line 3");
        Path badUtf8 = tmp.resolve("latin1.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(badUtf8))) {
            out.write(new byte[] {'#', '\n', (byte) 0xFF, ' ', 'a', '\n'});
        }
        assertUserError(badUtf8, "not UTF-8");
        assertUserError(Files.writeString(tmp.resolve("vocab.txt"), "x"), "not a CLIP vocabulary");

        Path hf = Files.createDirectories(tmp.resolve("hf"));
        Path vocab = Files.writeString(hf.resolve("vocab.json"), "{\"a\": 1,");
        assertUserError(vocab, "no such file");
        Files.copy(TestData.path("clip/hf_tokenizer/merges.txt"), hf.resolve("merges.txt"));
        assertUserError(vocab, "malformed vocabulary");
        Files.writeString(vocab, "{\"a\": \"one\"}");
        assertUserError(vocab, "not a non-negative integer");
        Files.writeString(vocab, "{\"a\": 1}");
        assertUserError(vocab, "is not in vocab.json");
        assertUserError(Files.createDirectories(tmp.resolve("empty")), "no tokenizer files");
        assertUserError(Files.writeString(tmp.resolve("tokenizer.json"), "{}"), "tokenizer.json is not read");
    }
}
