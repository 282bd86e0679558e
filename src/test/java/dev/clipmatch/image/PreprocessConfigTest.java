package dev.clipmatch.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.ClipMatchException;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreprocessConfigTest {

    @Test
    void presetsComeFromTheRegistry() {
        PreprocessConfig c = PreprocessConfig.preset("clip-224");
        assertEquals(224, c.size());
        assertEquals(PreprocessConfig.ResizeMode.SHORTEST, c.resizeMode());
        assertEquals(PreprocessConfig.Interpolation.BICUBIC, c.interpolation());
        assertEquals(PreprocessConfig.Crop.CENTER, c.crop());
        assertArrayEquals(new float[] {0.48145466f, 0.4578275f, 0.40821073f}, c.mean());
        assertArrayEquals(new float[] {0.26862954f, 0.26130258f, 0.27577711f}, c.std());
        assertEquals(336, PreprocessConfig.preset("clip-336").size());
        assertEquals(c.withSize(336), PreprocessConfig.preset("clip-336"));
        assertEquals(List.of("clip-224", "clip-336"), PreprocessConfig.presetNames());
    }

    @Test
    void unknownPresetListsTheKnownOnes() {
        ClipMatchException e = assertThrows(ClipMatchException.class, () -> PreprocessConfig.preset("clip-999"));
        assertTrue(e.getMessage().contains("clip-999") && e.getMessage().contains("clip-224, clip-336"), e.getMessage());
        assertThrows(ClipMatchException.class, () -> PreprocessConfig.preset("../README"));
    }

    @Test
    void badSettingsAreUserErrors() {
        String ok = "\"size\": 224, \"resize_mode\": \"shortest\", \"interpolation\": \"bicubic\", \"crop\": \"center\", \"mean\": [0.5, 0.5, 0.5]";
        assertEquals(224, PreprocessConfig.fromJson("{" + ok + ", \"std\": [0.5, 0.5, 0.5]}", "p.json").size());
        for (String bad : new String[] {
            "{" + ok + ", \"std\": [0.5, 0.5]}",
            "{" + ok + ", \"std\": [0.5, 0, 0.5]}",
            "{" + ok + ", \"std\": [0.5, 0.5, 0.5], \"sise\": 3}",
            "{" + ok.replace("bicubic", "lanczos") + ", \"std\": [0.5, 0.5, 0.5]}",
            "{" + ok.replace("shortest", "longest") + ", \"std\": [0.5, 0.5, 0.5]}",
            "{" + ok.replace("224", "0") + ", \"std\": [0.5, 0.5, 0.5]}",
            "{" + ok.replace("224", "\"224\"") + ", \"std\": [0.5, 0.5, 0.5]}",
        }) {
            assertThrows(ClipMatchException.class, () -> PreprocessConfig.fromJson(bad, "p.json"), bad);
        }
    }

    @Test
    void resizedSizeFollowsTorchvision() {
        PreprocessConfig c = PreprocessConfig.preset("clip-224");
        assertArrayEquals(new long[] {298, 224}, c.resizedSize(500, 375));  // int(224 * 500 / 375) = int(298.67)
        assertArrayEquals(new long[] {224, 326}, c.resizedSize(450, 655));
        assertArrayEquals(new long[] {224, 224}, c.resizedSize(1800, 1800));
        assertArrayEquals(new long[] {3027, 224}, c.resizedSize(500, 37));
        PreprocessConfig squash = new PreprocessConfig(224, PreprocessConfig.ResizeMode.SQUASH, PreprocessConfig.Interpolation.BICUBIC,
                PreprocessConfig.Crop.CENTER, c.mean(), c.std());
        assertArrayEquals(new long[] {224, 224}, squash.resizedSize(500, 37));
    }
}
