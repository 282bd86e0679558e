package dev.clipmatch.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.CliRun;
import dev.clipmatch.TestData;
import dev.clipmatch.data.Dataset;
import dev.clipmatch.data.DatasetReader;
import dev.clipmatch.io.Npy;
import dev.clipmatch.model.TinyModels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code clipmatch spark embed} equals {@code clipmatch embed} on the shared real photos and captions (tiny CLIP
 * fixture); a task that fails half-way is retried without losing or duplicating rows; bad images give the
 * documented one-line error, or a side table with {@code --on-error skip}.
 */
class SparkEmbedTest {
    @TempDir
    Path dir;

    static String model() {
        return TinyModels.torchScript().toString();
    }

    static Path vocab() {
        return TestData.path("clip/bpe_simple_vocab_16e6.txt.gz");
    }

    static List<Row> table(Path dir) {
        return SparkRun.session().read().parquet(dir.toString()).orderBy("id").collectAsList();
    }

    static double maxAbsDiff(List<Row> rows, float[] want, int dim) {
        assertEquals(want.length / dim, rows.size(), "rows");
        double m = 0;
        for (int r = 0; r < rows.size(); r++) {
            List<Float> v = rows.get(r).getList(rows.get(r).fieldIndex("embedding"));
            assertEquals(dim, v.size());
            for (int i = 0; i < dim; i++) m = Math.max(m, Math.abs(v.get(i) - want[r * dim + i]));
        }
        return m;
    }

    @Test
    void photosEqualEmbed() {
        Path photos = TestData.path("flickr8k/images");
        Path npy = dir.resolve("single.npy"), out = dir.resolve("spark");
        CliRun single = CliRun.of("embed", "--model", model(), "--images", photos.toString(), "--out", npy.toString());
        assertEquals(0, single.code(), single.err());
        SparkRun r = SparkRun.of("embed", "--model", model(), "--images", photos.toString(), "--out", out.toString(), "--partitions", "3");
        assertEquals(0, r.code(), r.err());
        Npy.FloatArray want = Npy.readFloats(npy);
        List<Row> rows = table(out.resolve("images"));
        double diff = maxAbsDiff(rows, want.data(), (int) want.shape()[1]);
        assertTrue(diff <= 1e-6, "max abs diff " + diff);
        assertEquals(photos.resolve("1000268201_693b08cb0e.jpg").toAbsolutePath().toString(), rows.get(0).getString(rows.get(0).fieldIndex("path")));
        assertEquals("08da6dbaa11602f6def8e9b50b08a1d0039f3deb5c80c1969d35d054cf8cb2da", rows.get(0).getString(rows.get(0).fieldIndex("sha256")));
    }

    @Test
    void datasetCaptionsEqualEmbedAndKeepTheirImage() throws Exception {
        Path tsv = TestData.path("image_captions.tsv");
        Dataset d = DatasetReader.read(tsv);
        Path lines = dir.resolve("captions.txt"), npy = dir.resolve("captions.npy"), out = dir.resolve("spark");
        Files.write(lines, d.captions(), StandardCharsets.UTF_8);
        CliRun single = CliRun.of("embed", "--model", model(), "--texts", lines.toString(), "--vocab", vocab().toString(), "--out", npy.toString(),
                "--batch-size", "16");
        assertEquals(0, single.code(), single.err());
        SparkRun r = SparkRun.of("embed", "--model", model(), "--dataset", tsv.toString(), "--vocab", vocab().toString(), "--out", out.toString(),
                "--partitions", "4", "--batch-size", "16", "--on-error", "skip");
        assertEquals(0, r.code(), r.err());
        Npy.FloatArray want = Npy.readFloats(npy);
        List<Row> texts = table(out.resolve("texts"));
        double diff = maxAbsDiff(texts, want.data(), (int) want.shape()[1]);
        assertTrue(diff <= 1e-6, "max abs diff " + diff);
        for (int c = 0; c < texts.size(); c++) {
            assertEquals(d.captions().get(c), texts.get(c).getString(texts.get(c).fieldIndex("text")));
            assertEquals(d.captionImage()[c], texts.get(c).getLong(texts.get(c).fieldIndex("image_id")));
        }
        assertEquals(d.images().size() - 1, table(out.resolve("images")).size(), "all but skimage/camera.png, which is not shipped");
    }

    @Test
    void aTaskFailedOnItsFirstAttemptIsRetriedWithoutLostOrDuplicatedRows() throws Exception {
        Path lines = dir.resolve("captions.txt");
        List<String> captions = DatasetReader.read(TestData.path("image_captions.tsv")).captions();
        Files.write(lines, captions, StandardCharsets.UTF_8);
        SparkSession spark = SparkRun.session();
        java.util.concurrent.atomic.AtomicInteger failedTasks = new java.util.concurrent.atomic.AtomicInteger();
        SparkListener listener = new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (!end.taskInfo().successful()) failedTasks.incrementAndGet();
            }
        };
        spark.sparkContext().addSparkListener(listener);
        spark.conf().set(DistributedEmbed.FAIL_FIRST_ATTEMPT, "100");
        SparkRun r;
        try {
            r = SparkRun.of("embed", "--model", model(), "--texts", lines.toString(), "--vocab", vocab().toString(), "--out", dir.resolve("retried").toString(),
                    "--partitions", "3", "--batch-size", "8");
        } finally {
            spark.conf().unset(DistributedEmbed.FAIL_FIRST_ATTEMPT);
            spark.sparkContext().listenerBus().waitUntilEmpty();
            spark.sparkContext().removeSparkListener(listener);
        }
        assertEquals(0, r.code(), r.err());
        assertEquals(1, failedTasks.get(), "the injected failure happened once, and its retry succeeded");
        SparkRun clean = SparkRun.of("embed", "--model", model(), "--texts", lines.toString(), "--vocab", vocab().toString(), "--out",
                dir.resolve("clean").toString(), "--partitions", "3", "--batch-size", "8");
        assertEquals(0, clean.code(), clean.err());
        List<Row> retried = table(dir.resolve("retried/texts")), reference = table(dir.resolve("clean/texts"));
        assertEquals(captions.size(), retried.size());
        for (int c = 0; c < captions.size(); c++) {
            assertEquals(c, retried.get(c).getLong(0), "ids 0..n-1, each once");
            assertEquals(reference.get(c), retried.get(c));
        }
    }

    @Test
    void badOrMissingImagesFailNamingTheFileOrAreSkipped() throws Exception {
        Path photos = TestData.path("flickr8k/images");
        Path bad = dir.resolve("broken.jpg");
        Files.write(bad, "not a JPEG at all".getBytes(StandardCharsets.UTF_8));
        Path list = dir.resolve("list.txt");
        Files.writeString(list, photos.resolve("1000268201_693b08cb0e.jpg") + "\n" + bad + "\n" + photos.resolve("1001773457_577c3a7d70.jpg") + "\n");
        SparkRun failed = SparkRun.of("embed", "--model", model(), "--images", list.toString(), "--out", dir.resolve("f").toString());
        assertEquals(2, failed.code(), failed.err());
        String line = failed.err().strip();
        assertTrue(line.startsWith("clipmatch: " + bad), line);
        assertFalse(line.contains("\n"), "one line, no Spark trace: " + line);

        SparkRun skipped = SparkRun.of("embed", "--model", model(), "--images", list.toString(), "--out", dir.resolve("s").toString(), "--on-error", "skip");
        assertEquals(0, skipped.code(), skipped.err());
        assertEquals(2, table(dir.resolve("s/images")).size());
        List<Row> side = table(dir.resolve("s/skipped"));
        assertEquals(1, side.size());
        assertEquals(1L, side.get(0).getLong(0));
        assertEquals(bad.toString(), side.get(0).getString(1));

        Path missingList = dir.resolve("missing.txt");
        Files.writeString(missingList, dir.resolve("nowhere.jpg") + "\n");
        SparkRun missing = SparkRun.of("embed", "--model", model(), "--images", missingList.toString(), "--out", dir.resolve("m").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().strip().startsWith("clipmatch: " + dir.resolve("nowhere.jpg")), missing.err());
        assertFalse(missing.err().strip().contains("\n"), missing.err());
    }
}
