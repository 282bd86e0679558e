package dev.clipmatch.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.TestData;
import dev.clipmatch.cli.Main;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code clipmatch tokenize} end to end through {@link Main#run}. */
class TokenizeCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;
    private InputStream savedIn;

    @BeforeEach
    void redirect() {
        savedOut = System.out;
        savedErr = System.err;
        savedIn = System.in;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(savedOut);
        System.setErr(savedErr);
        System.setIn(savedIn);
    }

    private static String vocab() {
        return TestData.path("clip/bpe_simple_vocab_16e6.txt.gz").toString();
    }

    private int run(byte[] stdin, String... args) {
        System.setIn(new ByteArrayInputStream(stdin));
        String[] full = new String[args.length + 1];
        full[0] = "tokenize";
        System.arraycopy(args, 0, full, 1, args.length);
        return Main.run(full);
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsOneJsonArrayPerText() {
        assertEquals(0, run(new byte[0], "--vocab", vocab(), "Hello World!", "a photo of a cat"));
        assertEquals("[49406, 3306, 1002, 256, 49407]\n[49406, 320, 1125, 539, 320, 2368, 49407]\n",
                stdout().replace("\r\n", "\n"));
    }

    @Test
    void readsLinesFromStdinWithoutText() {
        byte[] in = "a dog\r\nTexas A&amp;M\n\ncaf\u00e9".getBytes(StandardCharsets.UTF_8);
        assertEquals(0, run(in, "--vocab", TestData.path("clip/hf_tokenizer").toString()));
        assertEquals("[49406, 320, 1929, 49407]\n[49406, 3403, 320, 261, 332, 49407]\n[49406, 49407]\n[49406, 15304, 49407]\n",
                stdout().replace("\r\n", "\n"));
    }

    @Test
    void invalidUtf8OnStdinIsAnErrorNamingTheLine() {
        byte[] in = {'o', 'k', '\n', (byte) 0xC3, '(', '\n'};
        assertEquals(2, run(in, "--vocab", vocab()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("stdin line 2: invalid UTF-8"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void tooLongTextIsAnErrorUnlessTruncated() {
        assertEquals(2, run(new byte[0], "--vocab", vocab(), "--context-length", "5", "a photo of a cat"));
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.contains("TEXT 1") && message.contains("--truncate") && message.contains("a photo of a cat"), message);
        assertEquals(0, run(new byte[0], "--vocab", vocab(), "--context-length", "5", "--truncate", "a photo of a cat"));
        assertEquals("[49406, 320, 1125, 539, 49407]\n", stdout().replace("\r\n", "\n"));
    }

    @Test
    void badVocabularyOrOptionsExitWithTwo() {
        assertEquals(2, run(new byte[0], "--vocab", "/nonexistent/vocab.json", "x"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("/nonexistent/vocab.json"));
        assertEquals(2, run(new byte[0], "--vocab", vocab(), "--context-length", "1", "x"));
        assertEquals(2, run(new byte[0], "--vocab", vocab(), "--context-length", "many", "x"));
    }
}
