package dev.clipmatch.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.TestData;
import dev.clipmatch.io.Json;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The header probe must read the true dimensions of every real file (or it would refuse good images). */
class ImageHeaderTest {

    @Test
    void dimensionsOfEveryFixtureInput() throws Exception {
        Map<String, Object> fixture;
        try (InputStream in = ImageHeaderTest.class.getResourceAsStream("/image/fixtures.json")) {
            fixture = Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        for (Object o : (List<?>) fixture.get("cases")) {
            Map<?, ?> c = (Map<?, ?>) o;
            String image = (String) c.get("image");
            Path path = image.startsWith("data:") ? TestData.path(image.substring(5)) : ImageFixturesTest.resource("/image/inputs/" + image.substring(6));
            ImageHeader h = ImageHeader.probe(Files.readAllBytes(path));
            assertNotNull(h, image);
            List<?> size = (List<?>) c.get("source_size");
            assertEquals(size.get(0), h.width(), image + " width");
            assertEquals(size.get(1), h.height(), image + " height");
            assertFalse(h.truncated(), image);
        }
    }

    @Test
    void jpegCompletenessNeedsTheEndMarker() throws Exception {
        byte[] jpeg = Files.readAllBytes(ImageFixturesTest.resource("/image/inputs/progressive.jpg"));
        assertFalse(ImageHeader.probe(jpeg).truncated());
        // Trailing bytes after EOI are legal: found by walking the scans instead of the fast path.
        byte[] trailing = Arrays.copyOf(jpeg, jpeg.length + 100);
        assertFalse(ImageHeader.probe(trailing).truncated());
        for (int cut : new int[] {3, 200, jpeg.length / 2, jpeg.length - 1}) assertTrue(ImageHeader.probe(Arrays.copyOf(jpeg, cut)).truncated(), "cut at " + cut);
    }

    @Test
    void unknownBytesAreNotAHeader() {
        assertNull(ImageHeader.probe("P6\n3 2\n255\n".getBytes(StandardCharsets.US_ASCII)));
        assertNull(ImageHeader.probe(new byte[0]));
    }
}
