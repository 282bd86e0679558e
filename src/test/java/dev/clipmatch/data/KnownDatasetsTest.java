package dev.clipmatch.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.CliRun;
import dev.clipmatch.TestData;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.io.Checksums;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dataset registry names the real caption files: their checksums are those of the shared copies. */
class KnownDatasetsTest {
    @TempDir
    Path dir;

    @Test
    void registryChecksumsMatchTheRealFiles() {
        assertEquals(Checksums.sha256(TestData.path("flickr30k/flickr30k_karpathy_test.json")), KnownDatasets.require("flickr30k").sha256());
        assertEquals(Checksums.sha256(TestData.path("coco/coco_karpathy_test5k.json")), KnownDatasets.require("COCO").sha256());
        assertTrue(KnownDatasets.require("flickr30k").url().startsWith("https://"));
        assertThrows(ClipMatchException.class, () -> KnownDatasets.require("imagenet"));
    }

    @Test
    void sweepExplainsWhereCaptionsAndImagesGo() {
        CliRun r = CliRun.of("sweep", "--dataset", "coco", "--cache-dir", dir.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("coco captions are not in the cache: run 'clipmatch fetch-data coco'"), r.err());
    }
}
