package dev.clipmatch.spark;

import dev.clipmatch.InputFileException;
import dev.clipmatch.eval.EvalInputs;
import dev.clipmatch.kernels.Embeddings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * Image and caption embeddings as row blocks for {@link DistributedRecall}: from {@code .npy} files (read by the
 * driver, validated as {@code eval} validates them, as interop with single-machine runs), or from Parquet tables
 * written by {@code spark embed} (read by the executors). Rows are ordered by their {@code id}; the position in that
 * order is the global index of the tie rule.
 */
public final class EmbeddingTables {
    /** Blocks of both sides, and each caption's global image index. */
    public record Loaded(JavaRDD<RowBlock> images, int nImages, JavaRDD<RowBlock> captions, long[] captionImage) {}

    private EmbeddingTables() {}

    /**
     * @param textImage caption -> image .npy, or null: the caption table's {@code image_id} column, else {@code eval}'s
     *     default (caption c belongs to image c / (captions / images))
     */
    public static Loaded load(SparkSession spark, Path images, Path texts, Path textImage, int imageBlocks, int captionBlocks) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        if (isNpy(images) != isNpy(texts)) throw new InputFileException(images + " and " + texts + ": give both as .npy files or both as Parquet tables");
        if (isNpy(images)) {
            Embeddings im = EvalInputs.embeddings(images), tx = EvalInputs.embeddings(texts);
            if (im.dim() != tx.dim()) throw new InputFileException(images + " has dimension " + im.dim() + " but " + texts + " has " + tx.dim());
            long[] map = textImage != null ? EvalInputs.captionImage(textImage, im.rows(), tx.rows()) : EvalInputs.defaultCaptionImage(im.rows(), tx.rows());
            return new Loaded(sc.parallelize(cut(im, null, imageBlocks), imageBlocks), im.rows(), sc.parallelize(cut(tx, map, captionBlocks), captionBlocks), map);
        }
        return fromTables(table(spark, images), images.toString(), table(spark, texts), texts.toString(), textImage, imageBlocks, captionBlocks);
    }

    /** Tables of (id, embedding) rows, captions possibly with image_id; names are for messages. */
    public static Loaded fromTables(Dataset<Row> imageTable, String images, Dataset<Row> textTable, String texts, Path textImage, int imageBlocks,
            int captionBlocks) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(imageTable.sparkSession().sparkContext());
        long[] imageIds = ids(imageTable, images);
        long[] captionIds = ids(textTable, texts);
        long[] map;
        if (textImage != null) {
            map = EvalInputs.captionImage(textImage, imageIds.length, captionIds.length);
        } else if (Arrays.asList(textTable.columns()).contains("image_id")) {
            map = imageIndices(textTable, texts, imageIds);
        } else {
            map = EvalInputs.defaultCaptionImage(imageIds.length, captionIds.length);
        }
        Broadcast<long[]> mapping = sc.broadcast(map);
        return new Loaded(blocks(imageTable, images, imageIds.length, imageBlocks, null), imageIds.length,
                blocks(textTable, texts, captionIds.length, captionBlocks, mapping), map);
    }

    static boolean isNpy(Path p) {
        return p.getFileName().toString().endsWith(".npy");
    }

    private static Dataset<Row> table(SparkSession spark, Path dir) {
        if (!Files.exists(dir)) throw new InputFileException(dir + ": no such file or table");
        Dataset<Row> t = spark.read().parquet(dir.toString());
        List<String> cols = Arrays.asList(t.columns());
        if (!cols.contains("id") || !cols.contains("embedding"))
            throw new InputFileException(dir + ": a table of embeddings needs the columns id and embedding, found " + cols);
        return t;
    }

    /** The table's ids, sorted; duplicates are an error (a row's identity would be ambiguous). */
    private static long[] ids(Dataset<Row> t, String dir) {
        long[] ids = t.select("id").javaRDD().map(r -> r.getLong(0)).collect().stream().mapToLong(Long::longValue).toArray();
        if (ids.length == 0) throw new InputFileException(dir + ": empty table");
        Arrays.sort(ids);
        for (int i = 1; i < ids.length; i++) if (ids[i] == ids[i - 1]) throw new InputFileException(dir + ": id " + ids[i] + " appears twice");
        return ids;
    }

    /** Caption -> image index from the caption table's image_id column (ids of the image table). */
    private static long[] imageIndices(Dataset<Row> t, String dir, long[] imageIds) {
        List<Row> rows = t.select("id", "image_id").orderBy("id").collectAsList();
        long[] map = new long[rows.size()];
        for (int c = 0; c < map.length; c++) {
            Row r = rows.get(c);
            if (r.isNullAt(1)) throw new InputFileException(dir + ": caption id " + r.getLong(0) + " has no image_id");
            int at = Arrays.binarySearch(imageIds, r.getLong(1));
            if (at < 0) throw new InputFileException(dir + ": caption id " + r.getLong(0) + " refers to image_id " + r.getLong(1) + ", which the image table lacks");
            map[c] = at;
        }
        int[] count = new int[imageIds.length];
        for (long g : map) count[(int) g]++;
        for (int i = 0; i < count.length; i++) if (count[i] == 0) throw new InputFileException(dir + ": image id " + imageIds[i] + " has no caption");
        return map;
    }

    /** Rows in id order, grouped into {@code blocks} consecutive blocks, validated as eval validates .npy rows. */
    private static JavaRDD<RowBlock> blocks(Dataset<Row> t, String name, int n, int blocks, Broadcast<long[]> mapping) {
        int per = (n + blocks - 1) / blocks;
        JavaPairRDD<Long, Row> indexed = t.select("id", "embedding").orderBy("id").javaRDD().zipWithIndex().mapToPair(Tuple2::swap);
        return indexed.mapToPair(r -> new Tuple2<>((int) (r._1() / per), r)).groupByKey(blocks).map(g -> {
            List<Tuple2<Long, Row>> rows = new ArrayList<>();
            g._2().forEach(rows::add);
            rows.sort((a, b) -> Long.compare(a._1(), b._1()));
            int dim = -1;
            float[] data = null;
            for (int k = 0; k < rows.size(); k++) {
                Row row = rows.get(k)._2();
                List<Float> v = row.isNullAt(1) ? null : row.getList(1);
                if (v == null || v.isEmpty()) throw new InputFileException(name + ": id " + row.getLong(0) + " has no embedding");
                if (dim < 0) {
                    dim = v.size();
                    data = new float[rows.size() * dim];
                }
                if (v.size() != dim) throw new InputFileException(name + ": id " + row.getLong(0) + " has " + v.size() + " values, other rows " + dim);
                boolean zero = true;
                for (int i = 0; i < dim; i++) {
                    Float x = v.get(i);
                    if (x == null || !Float.isFinite(x)) throw new InputFileException(name + ": id " + row.getLong(0) + ", column " + i + " is " + x + " (NaN/Inf not allowed)");
                    data[k * dim + i] = x;
                    zero &= x == 0f;
                }
                if (zero) throw new InputFileException(name + ": id " + row.getLong(0) + " is all zeros and cannot be L2-normalised");
            }
            long start = rows.get(0)._1();
            long[] image = mapping == null ? null : Arrays.copyOfRange(mapping.value(), (int) start, (int) start + rows.size());
            return new RowBlock(g._1(), start, rows.size(), dim, data, image);
        });
    }

    /** Cuts a matrix into {@code blocks} consecutive row blocks (the last ones smaller when rows do not divide). */
    static List<RowBlock> cut(Embeddings e, long[] map, int blocks) {
        if (blocks < 1) throw new IllegalArgumentException("blocks must be at least 1");
        int per = (e.rows() + blocks - 1) / blocks;
        List<RowBlock> out = new ArrayList<>();
        for (int b = 0, start = 0; start < e.rows(); b++, start += per) {
            int rows = Math.min(per, e.rows() - start);
            out.add(new RowBlock(b, start, rows, e.dim(), Arrays.copyOfRange(e.data(), start * e.dim(), (start + rows) * e.dim()),
                    map == null ? null : Arrays.copyOfRange(map, start, start + rows)));
        }
        return out;
    }
}
