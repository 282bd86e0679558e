package dev.clipmatch.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.CliRun;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.io.Npy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code clipmatch spark eval} equals {@code clipmatch eval}: 3,000 images x 15,000 captions x 64 dims of values in
 * {-1, 0, 1} (exact ties everywhere) and 1 to 9 captions per image, for any cut into blocks, from .npy files and
 * from Parquet tables whose rows are stored shuffled under sparse ids.
 */
class SparkEvalTest {
    static final int IMAGES = 3000, CAPTIONS = 15000, DIM = 64;

    @TempDir
    static Path dir;

    static Path images, texts, textImage;
    static float[] im, tx;
    static long[] map;
    static Map<String, Object> expected;

    @BeforeAll
    static void data() throws Exception {
        Random rng = new Random(13);
        im = ternary(rng, IMAGES);
        tx = ternary(rng, CAPTIONS);
        for (int k = 0; k < 500; k++) { // duplicated rows: equal scores against every query
            int from = rng.nextInt(CAPTIONS), to = rng.nextInt(CAPTIONS);
            System.arraycopy(tx, from * DIM, tx, to * DIM, DIM);
        }
        map = new long[CAPTIONS];
        for (int c = 0; c < CAPTIONS; c++) map[c] = c < IMAGES ? c : rng.nextInt(IMAGES); // uneven: every image 1..many captions
        images = dir.resolve("images.npy");
        texts = dir.resolve("texts.npy");
        textImage = dir.resolve("text_image.npy");
        Npy.writeFloats(images, im, IMAGES, DIM);
        Npy.writeFloats(texts, tx, CAPTIONS, DIM);
        Npy.writeLongs(textImage, map, CAPTIONS);
        Path json = dir.resolve("eval.json");
        CliRun single = CliRun.of("eval", "--image-embeddings", images.toString(), "--text-embeddings", texts.toString(), "--text-image",
                textImage.toString(), "--sample-images", "10,1000," + IMAGES, "--iterations", "5", "--json", json.toString());
        assertEquals(0, single.code(), single.err());
        expected = JsonFiles.parseObject(Files.readString(json), "report");
    }

    static float[] ternary(Random rng, int rows) {
        float[] d = new float[rows * DIM];
        for (int i = 0; i < d.length; i++) d[i] = rng.nextInt(3) - 1;
        for (int r = 0; r < rows; r++) d[r * DIM] = 1; // no zero rows
        return d;
    }

    @ParameterizedTest
    @CsvSource({"1, 1", "3, 3", "7, 7", "2, 7"})
    void npyInputsGiveEvalsJson(int imageBlocks, int textBlocks) throws Exception {
        Path json = dir.resolve("spark-" + imageBlocks + "-" + textBlocks + ".json");
        SparkRun r = SparkRun.of("eval", "--image-embeddings", images.toString(), "--text-embeddings", texts.toString(), "--text-image",
                textImage.toString(), "--sample-images", "10,1000," + IMAGES, "--iterations", "5", "--image-blocks", "" + imageBlocks,
                "--text-blocks", "" + textBlocks, "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(expected, JsonFiles.parseObject(Files.readString(json), "report"));
    }

    @Test
    void parquetTablesGiveEvalsJson() throws Exception {
        SparkSession spark = SparkRun.session();
        Path imageTable = dir.resolve("images.parquet"), textTable = dir.resolve("texts.parquet");
        table(spark, im, IMAGES, null).write().parquet(imageTable.toString());
        table(spark, tx, CAPTIONS, map).write().parquet(textTable.toString());
        Path json = dir.resolve("spark-parquet.json");
        SparkRun r = SparkRun.of("eval", "--image-embeddings", imageTable.toString(), "--text-embeddings", textTable.toString(),
                "--sample-images", "10,1000," + IMAGES, "--iterations", "5", "--image-blocks", "3", "--text-blocks", "5", "--json", json.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(expected, JsonFiles.parseObject(Files.readString(json), "report"));
    }

    /** Rows in shuffled order under ids 7 * index + 3 (order by id is the original order); captions carry image_id. */
    static Dataset<Row> table(SparkSession spark, float[] data, int rows, long[] imageOf) {
        StructType schema = new StructType().add("id", DataTypes.LongType, false).add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        if (imageOf != null) schema = schema.add("image_id", DataTypes.LongType, false);
        List<Row> out = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            List<Float> v = new ArrayList<>(DIM);
            for (int i = 0; i < DIM; i++) v.add(data[r * DIM + i]);
            out.add(imageOf == null ? RowFactory.create(7L * r + 3, v.toArray(new Float[0]))
                    : RowFactory.create(7L * r + 3, v.toArray(new Float[0]), 7L * imageOf[r] + 3));
        }
        Collections.shuffle(out, new Random(5));
        return spark.createDataFrame(out, schema).repartition(4);
    }

    @Test
    void badInputIsOneLineNamingTheFile() throws Exception {
        Path bad = dir.resolve("nan.npy");
        float[] copy = im.clone();
        copy[5 * DIM + 2] = Float.NaN;
        Npy.writeFloats(bad, copy, IMAGES, DIM);
        SparkRun r = SparkRun.of("eval", "--image-embeddings", bad.toString(), "--text-embeddings", texts.toString(), "--text-image", textImage.toString());
        assertEquals(2, r.code());
        assertEquals("clipmatch: " + bad + ": row 5, column 2 is NaN (NaN/Inf not allowed)", r.err().strip());
        SparkRun missing = SparkRun.of("eval", "--image-embeddings", dir.resolve("absent").toString(), "--text-embeddings", dir.resolve("absent2").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().strip().startsWith("clipmatch: ") && missing.err().contains("absent"), missing.err());
        assertFalse(missing.err().contains("\tat "), missing.err());
    }
}
