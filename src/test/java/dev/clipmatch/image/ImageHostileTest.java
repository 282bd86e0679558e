package dev.clipmatch.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.TestJson;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Unusual and hostile files against PIL's answers (tools/make_hostile_images.py): what PIL refuses we refuse;
 * what PIL decodes we decode to exactly PIL's pixels, or refuse with one line naming the unsupported feature.
 * Never other pixels, and the same answer on every call (a decoder reading uninitialised memory would not be).
 */
class ImageHostileTest {
    private static final ImagePreprocessor PRE = new ImagePreprocessor(PreprocessConfig.preset("clip-224"));

    @TestFactory
    Stream<DynamicTest> agreesWithPil() throws Exception {
        Map<String, Object> expected;
        try (InputStream in = ImageHostileTest.class.getResourceAsStream("/image/hostile/expected.json")) {
            assertNotNull(in, "hostile/expected.json on the test classpath");
            expected = TestJson.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        List<?> cases = (List<?>) expected.get("cases");
        assertTrue(cases.size() >= 20, "cases: " + cases.size());
        return cases.stream().map(c -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) c;
            return DynamicTest.dynamicTest(m.get("file") + " (" + m.get("covers") + "): PIL " + m.get("pil"), () -> check(m));
        });
    }

    private static void check(Map<String, Object> c) throws Exception {
        Path file = ImageFixturesTest.resource("/image/hostile/" + c.get("file"));
        String first = outcome(file), second = outcome(file);
        assertEquals(first, second, "the same answer on every call");
        if (c.get("pil").equals("refuses")) {
            assertTrue(first.startsWith("refused: " + file + ": "), "PIL refuses (" + c.get("pil_error") + "), so must we: " + first);
        } else if (first.startsWith("refused: ")) {
            assertTrue(first.contains("supported"), "PIL decodes it; a refusal must name the unsupported feature or format: " + first);
        } else {
            assertEquals("pixels " + c.get("crop_sha256"), first, "PIL decodes it: the crop must be PIL's");
        }
    }

    /** "pixels SHA" of the 8-bit crop, or "refused: MESSAGE" (one line). */
    private static String outcome(Path file) throws Exception {
        try {
            byte[] crop = Pixels.toBytesHwc(PRE.preprocess(file), PRE.config());
            return "pixels " + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(crop));
        } catch (ClipMatchException e) {
            if (e.getMessage().lines().count() != 1) fail("one line: " + e.getMessage());
            return "refused: " + e.getMessage();
        }
    }
}
