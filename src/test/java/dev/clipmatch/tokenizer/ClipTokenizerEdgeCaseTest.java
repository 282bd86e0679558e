package dev.clipmatch.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.TestData;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.TestJson;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Edge cases with the ids the original gives them (edge_cases.jsonl, written by tools/bench_tokenizer_fixtures.py
 * from open_clip's copy of the original), plus context-length handling as {@code clip.tokenize} does it.
 */
class ClipTokenizerEdgeCaseTest {
    private static final int SOT = 49406, EOT = 49407, A = 320; // "a" is one id
    private static ClipTokenizer tokenizer;

    @BeforeAll
    static void load() {
        tokenizer = ClipTokenizer.load(TestData.path("clip/bpe_simple_vocab_16e6.txt.gz"));
    }

    @TestFactory
    List<DynamicTest> edgeCasesGiveTheOriginalIds() throws IOException {
        String jsonl;
        try (InputStream in = getClass().getResourceAsStream("edge_cases.jsonl")) {
            jsonl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (String line : jsonl.split("\n")) {
            Map<String, Object> row = TestJson.parseObject(line);
            if (row.containsKey("_meta")) continue;
            String text = (String) row.get("text");
            int[] expected = ((List<?>) row.get("ids")).stream().mapToInt(o -> ((Long) o).intValue()).toArray();
            tests.add(DynamicTest.dynamicTest((String) row.get("name"),
                    () -> assertArrayEquals(expected, tokenizer.encode(text), TestJson.write(text))));
        }
        assertTrue(tests.size() >= 40, "edge cases read: " + tests.size());
        return tests;
    }

    /** "a a a ..." gives SOT, one id per word, EOT. */
    private static String words(int n) {
        return String.join(" ", Collections.nCopies(n, "a"));
    }

    @Test
    void textsOfExactly75And76And77IdsFitTheDefaultContext() {
        for (int ids : new int[] {75, 76, 77}) {
            int[] expected = new int[ids];
            Arrays.fill(expected, A);
            expected[0] = SOT;
            expected[ids - 1] = EOT;
            assertArrayEquals(expected, tokenizer.encode(words(ids - 2), 77, false), ids + " ids");
            assertArrayEquals(expected, tokenizer.encode(words(ids - 2), 77, true), ids + " ids, truncate");
        }
    }

    @Test
    void longerTextIsAnErrorNamingItUnlessTruncated() {
        ClipMatchException e = assertThrows(ClipMatchException.class, () -> tokenizer.encode(words(76), 77, false));
        assertTrue(e.getMessage().contains("78 tokens") && e.getMessage().contains("context length 77")
                && e.getMessage().contains("\"a a a"), e.getMessage());
        int[] cut = tokenizer.encode(words(76), 77, true);
        assertEquals(77, cut.length);
        assertEquals(SOT, cut[0]);
        assertEquals(A, cut[75]);
        assertEquals(EOT, cut[76]);
    }

    @Test
    void farLongerTextHasNoLimitWithoutContextAndTruncatesToTheContext() {
        String text = "a photo of a very long caption ".repeat(400);
        int[] all = tokenizer.encode(text);
        assertEquals(2 + 400 * 7, all.length);
        int[] cut = tokenizer.encode(text, 77, true);
        assertArrayEquals(Arrays.copyOf(all, 76), Arrays.copyOf(cut, 76));
        assertEquals(EOT, cut[76]);
        int[] cut8 = tokenizer.encode(text, 8, true);
        assertArrayEquals(new int[] {SOT, 320, 1125, 539, 320, 1070, 1538, EOT}, cut8);
    }

    @Test
    void batchIsZeroPaddedWithLengths() {
        TokenBatch batch = tokenizer.batch(List.of("a photo of a cat", "", words(100)), 77, true);
        assertEquals(3, batch.rows());
        assertEquals(77, batch.contextLength());
        assertEquals(3 * 77, batch.ids().length);
        assertArrayEquals(new int[] {7, 2, 77}, batch.lengths());
        assertEquals(77, batch.maxLength());
        long[] row0 = Arrays.copyOfRange(batch.ids(), 0, 77);
        long[] expected0 = new long[77];
        long[] head = {SOT, 320, 1125, 539, 320, 2368, EOT};
        System.arraycopy(head, 0, expected0, 0, head.length);
        assertArrayEquals(expected0, row0);
        assertEquals(SOT, batch.ids()[77]);
        assertEquals(EOT, batch.ids()[78]);
        assertEquals(0, batch.ids()[79]);
        assertEquals(EOT, batch.ids()[3 * 77 - 1]);
        assertThrows(ClipMatchException.class, () -> tokenizer.batch(List.of("ok", words(100)), 77, false));
    }

    @Test
    void contextLengthBelowTwoIsRejected() {
        assertThrows(ClipMatchException.class, () -> tokenizer.encode("a", 1, true));
    }

    @Test
    void concurrentEncodingMatchesSequential() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 2000; i++) texts.add("caption " + i + " of a dog \u00e9t\u00e9 number" + (i * 7919) + " x" + i);
        List<int[]> sequential = texts.stream().map(tokenizer::encode).toList();
        ClipTokenizer fresh = ClipTokenizer.load(TestData.path("clip/bpe_simple_vocab_16e6.txt.gz"));
        List<int[]> parallel = IntStream.range(0, texts.size()).parallel().mapToObj(i -> fresh.encode(texts.get(i))).toList();
        for (int i = 0; i < texts.size(); i++) assertArrayEquals(sequential.get(i), parallel.get(i), texts.get(i));
    }
}
