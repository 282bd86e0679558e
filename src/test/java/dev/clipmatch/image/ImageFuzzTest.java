package dev.clipmatch.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.ClipMatchException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Damaged files of every format (flipped bytes, cuts, spliced garbage): each must either give a finite tensor
 * or a ClipMatchException naming the file, never another exception or a crash inside the native decoders.
 */
class ImageFuzzTest {

    /** Longer runs: mvn test -Dtest=ImageFuzzTest -Dclipmatch.fuzz.mutations=2000 -Dclipmatch.fuzz.seed=N */
    static final int MUTATIONS_PER_FILE = Integer.getInteger("clipmatch.fuzz.mutations", 40);

    @Test
    void damagedFilesFailCleanly() throws Exception {
        ImagePreprocessor pre = new ImagePreprocessor(PreprocessConfig.preset("clip-224").withSize(64));
        Path dir = ImageFixturesTest.resource("/image/inputs/photo.jpg").getParent();
        Random random = new Random(Long.getLong("clipmatch.fuzz.seed", 4));
        int decoded = 0, refused = 0;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                byte[] original = Files.readAllBytes(file);
                for (int m = 0; m < MUTATIONS_PER_FILE; m++) {
                    byte[] bytes = mutate(original, random);
                    String name = file.getFileName() + "#" + m;
                    try {
                        float[] out = pre.preprocess(bytes, name);
                        assertEquals(pre.tensorLength(), out.length);
                        for (float v : out) assertTrue(Float.isFinite(v), name);
                        decoded++;
                    } catch (ClipMatchException e) {
                        assertTrue(e.getMessage().startsWith(name + ": "), e.getMessage());
                        refused++;
                    }
                }
            }
        }
        System.out.printf("fuzz: %d damaged files decoded, %d refused cleanly%n", decoded, refused);
        assertTrue(refused > 0 && decoded > 0);
    }

    private static byte[] mutate(byte[] original, Random random) {
        byte[] b = original.clone();
        switch (random.nextInt(4)) {
            case 0 -> {  // flip a few bytes anywhere, headers included
                for (int i = 0, n = 1 + random.nextInt(8); i < n; i++) b[random.nextInt(b.length)] ^= (byte) (1 + random.nextInt(255));
            }
            case 1 -> b = Arrays.copyOf(b, random.nextInt(b.length));  // cut
            case 2 -> {  // overwrite a run with garbage
                int at = random.nextInt(b.length), len = Math.min(b.length - at, 1 + random.nextInt(64));
                for (int i = 0; i < len; i++) b[at + i] = (byte) random.nextInt(256);
            }
            default -> {  // the header's size fields, where the dimension checks live
                for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) b[random.nextInt(Math.min(b.length, 40))] = (byte) random.nextInt(256);
            }
        }
        return b;
    }
}
