package dev.clipmatch.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.TestData;
import dev.clipmatch.TestJson;
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
            fixture = TestJson.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
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
            assertFalse(h.damaged(), image);
        }
    }

    @Test
    void jpegCompletenessNeedsTheEndMarker() throws Exception {
        byte[] jpeg = Files.readAllBytes(ImageFixturesTest.resource("/image/inputs/progressive.jpg"));
        assertFalse(ImageHeader.probe(jpeg).damaged());
        // Trailing bytes after EOI are legal: found by walking the scans instead of the fast path.
        byte[] trailing = Arrays.copyOf(jpeg, jpeg.length + 100);
        assertFalse(ImageHeader.probe(trailing).damaged());
        for (int cut : new int[] {3, 200, jpeg.length / 2, jpeg.length - 1}) assertTrue(ImageHeader.probe(Arrays.copyOf(jpeg, cut)).damaged(), "cut at " + cut);
    }

    @Test
    void pngStructureIsChecked() throws Exception {
        byte[] png = Files.readAllBytes(ImageFixturesTest.resource("/image/inputs/small-photo.png"));
        assertFalse(ImageHeader.probe(png).damaged());
        byte[] crc = png.clone();
        crc[40] ^= 1;  // inside a critical chunk after IHDR: its CRC no longer holds
        assertTrue(ImageHeader.probe(crc).damaged());
        byte[] colour = png.clone();
        colour[25] = 5;  // no such colour type
        assertTrue(ImageHeader.probe(colour).damaged());
        byte[] length = png.clone();
        length[33] = (byte) 0x93;  // the next chunk claims 2.4 GB
        assertTrue(ImageHeader.probe(length).damaged());
        assertTrue(ImageHeader.probe(Arrays.copyOf(png, png.length - 12)).damaged(), "no IEND");
    }

    @Test
    void unknownBytesAreNotAHeader() {
        assertNull(ImageHeader.probe("P6\n3 2\n255\n".getBytes(StandardCharsets.US_ASCII)));
        assertNull(ImageHeader.probe(new byte[0]));
    }
}
