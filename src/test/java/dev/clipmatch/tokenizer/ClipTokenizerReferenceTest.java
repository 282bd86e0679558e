package dev.clipmatch.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.TestData;
import dev.clipmatch.TestJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every case of clip/tokenizer_reference.jsonl (made with openai/CLIP's tokenizer, ftfy included), both vocabulary forms. */
class ClipTokenizerReferenceTest {
    private static final int EXPECTED_CASES = 5209;
    private static List<String> texts;
    private static List<int[]> expected;

    @BeforeAll
    static void readReference() throws IOException {
        texts = new ArrayList<>();
        expected = new ArrayList<>();
        for (String line : Files.readAllLines(TestData.path("clip/tokenizer_reference.jsonl"), StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            Map<String, Object> row = TestJson.parseObject(line);
            texts.add((String) row.get("text"));
            List<?> ids = (List<?>) row.get("ids");
            expected.add(ids.stream().mapToInt(o -> ((Long) o).intValue()).toArray());
        }
        assertEquals(EXPECTED_CASES, texts.size(), "reference cases");
    }

    @Test
    void openaiGzipVocabularyGivesTheReferenceIds() {
        assertAllIdentical(ClipTokenizer.load(TestData.path("clip/bpe_simple_vocab_16e6.txt.gz")));
    }

    @Test
    void huggingFaceVocabularyGivesTheReferenceIds() {
        assertAllIdentical(ClipTokenizer.load(TestData.path("clip/hf_tokenizer/vocab.json")));
    }

    private static void assertAllIdentical(ClipTokenizer tokenizer) {
        assertEquals(49408, tokenizer.vocabSize());
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            int[] got = tokenizer.encode(texts.get(i));
            if (!Arrays.equals(expected.get(i), got))
                mismatches.add("line " + (i + 1) + " " + TestJson.write(texts.get(i)) + ": expected "
                        + Arrays.toString(expected.get(i)) + ", got " + Arrays.toString(got));
        }
        assertTrue(mismatches.isEmpty(), mismatches.size() + " of " + texts.size() + " differ:\n"
                + String.join("\n", mismatches.subList(0, Math.min(20, mismatches.size()))));
    }
}
