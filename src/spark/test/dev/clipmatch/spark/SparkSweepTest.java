package dev.clipmatch.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.CliRun;
import dev.clipmatch.TestData;
import dev.clipmatch.io.JsonFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code clipmatch spark sweep} reports what {@code clipmatch sweep} reports on the shared captioned photos. */
class SparkSweepTest {
    @TempDir
    Path dir;

    @Test
    void reportEqualsSweeps() throws Exception {
        Path captions = TestData.path("image_captions.tsv");
        String model = SparkEmbedTest.model(), vocab = SparkEmbedTest.vocab().toString();
        Path single = dir.resolve("single"), spark = dir.resolve("spark");
        CliRun s = CliRun.of("sweep", "--model", model, "--vocab", vocab, "--dataset", captions.toString(), "--sample-images", "5,20", "--iterations", "25",
                "--seed", "7", "--out", single.toString(), "--cache-dir", dir.resolve("cache").toString(), "--on-error", "skip");
        assertEquals(0, s.code(), s.err());
        SparkRun r = SparkRun.of("sweep", "--model", model, "--vocab", vocab, "--dataset", captions.toString(), "--sample-images", "5,20", "--iterations",
                "25", "--seed", "7", "--out", spark.toString(), "--on-error", "skip", "--partitions", "3", "--blocks", "2");
        assertEquals(0, r.code(), r.err());
        Map<String, Object> want = JsonFiles.parseObject(Files.readString(single.resolve("report.json")), "report");
        Map<String, Object> got = JsonFiles.parseObject(Files.readString(spark.resolve("report.json")), "report");
        for (String key : new String[] {"images", "captions", "image_to_text", "text_to_image", "rsum", "sampled"})
            assertEquals(want.get(key), got.get(key), key);
        assertEquals(1L, ((Map<?, ?>) got.get("run")).get("skipped"), "skimage/camera.png is not shipped");
        assertTrue(Files.size(spark.resolve("report.md")) > 0 && Files.size(spark.resolve("report.csv")) > 0);
    }
}
