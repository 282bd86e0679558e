package dev.clipmatch.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.clipmatch.TestData;
import dev.clipmatch.TestJson;
import java.io.InputStream;
import java.net.URL;
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
 * The Java pipeline against PIL's reference preprocessing (tools/make_image_fixtures.py): the 8-bit centre
 * crop must be identical, checked by its sha256 and by sampled values (which locate a mismatch); known gaps
 * (CMYK JPEG) carry their measured bound in the fixture. Every
 * instruction set of the native horizontal pass that this CPU has is checked.
 */
class ImageFixturesTest {

    @TestFactory
    Stream<DynamicTest> matchesPil() throws Exception {
        Map<String, Object> fixture;
        try (InputStream in = ImageFixturesTest.class.getResourceAsStream("/image/fixtures.json")) {
            assertNotNull(in, "fixtures.json on the test classpath");
            fixture = TestJson.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        List<?> cases = (List<?>) fixture.get("cases");
        assertEquals(29, cases.size());
        Map<String, Integer> isas = Map.of("portable", ImageKernels.ISA_PORTABLE, "sse4.1", ImageKernels.ISA_SSE41, "avx2", ImageKernels.ISA_AVX2);
        return isas.entrySet().stream().sorted(Map.Entry.comparingByValue()).flatMap(isa -> cases.stream().map(c -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) c;
            return DynamicTest.dynamicTest(isa.getKey() + ": " + m.get("name") + " (" + m.get("covers") + ")", () -> {
                assumeTrue(ImageKernels.cm_image_use_isa(isa.getValue()) == ImageKernels.OK, "this CPU lacks " + isa.getKey());
                try {
                    check(m);
                } finally {
                    ImageKernels.cm_image_use_isa(ImageKernels.ISA_BEST);
                }
            });
        }));
    }

    private static void check(Map<String, Object> c) throws Exception {
        String image = (String) c.get("image");
        Path path = image.startsWith("data:") ? TestData.path(image.substring(5)) : resource("/image/inputs/" + image.substring(6));
        int size = ((Long) c.get("size")).intValue();
        PreprocessConfig config = PreprocessConfig.preset("clip-224").withSize(size);
        byte[] crop = Pixels.toBytesHwc(new ImagePreprocessor(config).preprocess(path), config);

        List<?> indices = (List<?>) c.get("sample_indices"), values = (List<?>) c.get("sample_values");
        int maxDiff = 0, mismatches = 0;
        for (int i = 0; i < indices.size(); i++) {
            int at = ((Long) indices.get(i)).intValue();
            int d = Math.abs((crop[at] & 0xFF) - ((Long) values.get(i)).intValue());
            maxDiff = Math.max(maxDiff, d);
            if (d != 0) mismatches++;
        }
        int allowed = ((Long) c.get("max_level_diff")).intValue();
        assertTrue(maxDiff <= allowed, c.get("name") + ": " + mismatches + " of " + indices.size() + " sampled values differ, by up to " + maxDiff + " levels");
        if (allowed > 0) return;  // a known gap: the sampled values bound it, the checksum cannot hold
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(crop));
        assertEquals(c.get("crop_sha256"), sha, c.get("name") + ": 8-bit crop differs from PIL's outside the sampled values");
    }

    static Path resource(String name) throws Exception {
        URL url = ImageFixturesTest.class.getResource(name);
        assertNotNull(url, name + " on the test classpath");
        return Path.of(url.toURI());
    }
}
