package dev.clipmatch.spark;

import dev.clipmatch.ClipMatch;
import dev.clipmatch.io.AtomicFiles;
import dev.clipmatch.io.Checksums;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.pipeline.EncodeListener;
import dev.clipmatch.pipeline.Encoder;
import dev.clipmatch.pipeline.OnError;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The encoding tasks of {@code spark embed}: each partition of (id, path) or (id, text, image_id) rows is encoded in
 * batches by its executor's one model ({@link ExecutorModels}), with the same preprocessing, tokenizer and model
 * as {@code clipmatch embed}. Output rows carry the input's sha256 and, for an image skipped with
 * {@code --on-error skip}, an error instead of an embedding.
 */
final class DistributedEmbed {
    static final StructType IMAGE_INPUT = new StructType().add("id", DataTypes.LongType, false).add("path", DataTypes.StringType, false);
    static final StructType TEXT_INPUT = new StructType().add("id", DataTypes.LongType, false).add("text", DataTypes.StringType, false)
            .add("image_id", DataTypes.LongType, true);
    static final StructType IMAGE_OUTPUT = new StructType().add("id", DataTypes.LongType, false).add("path", DataTypes.StringType, false)
            .add("sha256", DataTypes.StringType, true).add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), true)
            .add("error", DataTypes.StringType, true);
    static final StructType TEXT_OUTPUT = new StructType().add("id", DataTypes.LongType, false).add("text", DataTypes.StringType, false)
            .add("sha256", DataTypes.StringType, false).add("image_id", DataTypes.LongType, true)
            .add("embedding", DataTypes.createArrayType(DataTypes.FloatType, false), false);
    /** Captions per encoder call: sorting by length pays off within a group, and groups spread over the tasks. */
    static final int TEXT_GROUP = 4096;
    /** Spark conf naming a row id whose task fails half-way on its first attempt (tests of task retry); never set in real runs. */
    static final String FAIL_FIRST_ATTEMPT = "spark.clipmatch.test.failFirstAttemptWithId";

    private DistributedEmbed() {}

    /** Batch size 0: 32 images, 128 texts. */
    record Settings(int partitions, int batchSize, int ioThreads, OnError onError, boolean truncate) {}

    /**
     * Encodes the rows (either may be null) into {@code out/images}, {@code out/texts} and {@code out/skipped}, then
     * writes {@code out/manifest.json}, whose content it returns.
     */
    static Map<String, Object> write(Dataset<Row> imageRows, Dataset<Row> textRows, ExecutorModels.Spec spec, Settings s, Path out) {
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("model", spec.model());
        manifest.put("checkpoint_sha256", spec.sha256());
        manifest.put("preprocess", spec.preset() != null ? spec.preset() : "model default");
        long skipped = 0;
        if (imageRows != null) {
            int batch = s.batchSize() > 0 ? s.batchSize() : Encoder.DEFAULT_IMAGE_BATCH;
            Dataset<Row> encoded = images(inWholeBatches(imageRows, s.partitions(), batch), spec, batch, s.ioThreads(), s.onError())
                    .persist(StorageLevel.MEMORY_AND_DISK());
            encoded.filter(functions.col("error").isNull()).drop("error").write().mode(SaveMode.Overwrite).parquet(out.resolve("images").toString());
            Dataset<Row> bad = encoded.filter(functions.col("error").isNotNull()).select("id", "path", "error");
            skipped = bad.count();
            if (skipped > 0 || s.onError() == OnError.SKIP) bad.write().mode(SaveMode.Overwrite).parquet(out.resolve("skipped").toString());
            manifest.put("images", encoded.count() - skipped);
            encoded.unpersist();
        }
        if (textRows != null) {
            int batch = s.batchSize() > 0 ? s.batchSize() : Encoder.DEFAULT_TEXT_BATCH;
            texts(inWholeBatches(textRows, s.partitions(), TEXT_GROUP), spec, batch, s.truncate())
                    .write().mode(SaveMode.Overwrite).parquet(out.resolve("texts").toString());
            manifest.put("texts", textRows.sparkSession().read().parquet(out.resolve("texts").toString()).count());
        }
        manifest.put("skipped", skipped);
        AtomicFiles.writeString(out.resolve("manifest.json"), JsonFiles.pretty(manifest));
        if (skipped > 0) System.err.println("spark embed: skipped " + skipped + " unreadable images, listed in " + out.resolve("skipped"));
        return manifest;
    }

    /**
     * Rows spread over the partitions by batch (ids [k * batch, (k + 1) * batch) together), sorted by id within each:
     * with ids 0..n-1, a task's batches are those of {@code clipmatch embed}, so the model sees identical batches.
     */
    static Dataset<Row> inWholeBatches(Dataset<Row> rows, int partitions, int batch) {
        return rows.repartition(partitions, functions.floor(functions.col("id").divide(batch))).sortWithinPartitions("id");
    }

    static Dataset<Row> images(Dataset<Row> input, ExecutorModels.Spec spec, int batchSize, int ioThreads, OnError onError) {
        long failId = failId(input);
        MapPartitionsFunction<Row, Row> encode = rows -> {
            List<Long> ids = new ArrayList<>();
            List<Path> paths = new ArrayList<>();
            rows.forEachRemaining(r -> {
                ids.add(r.getLong(0));
                paths.add(Path.of(r.getString(1)));
            });
            if (ids.isEmpty()) return new ArrayList<Row>().iterator();
            ClipMatch clip = ExecutorModels.get(spec);
            int dim = clip.dim();
            Float[][] embedding = new Float[ids.size()][];
            List<String> problems = clip.encoder().images(paths, new Encoder.Settings(batchSize, ioThreads, onError, false), EncodeListener.SILENT,
                    (positions, e) -> {
                        for (int k = 0; k < positions.length; k++) embedding[positions[k]] = row(e, k, dim);
                    });
            List<Row> out = new ArrayList<>(ids.size());
            int skipped = 0;
            for (int j = 0; j < ids.size(); j++) { // skipped images come in input order, as their problems do
                Path p = paths.get(j);
                out.add(embedding[j] != null ? RowFactory.create(ids.get(j), p.toString(), Checksums.sha256(p), embedding[j], null)
                        : RowFactory.create(ids.get(j), p.toString(), null, null, problems.get(skipped++)));
            }
            return failingHalfWay(out, failId);
        };
        return input.mapPartitions(encode, Encoders.row(IMAGE_OUTPUT));
    }

    /**
     * Captions one group of {@link #TEXT_GROUP} ids at a time, through the encoder's length-sorted batching: a set of
     * captions that fits one group is batched exactly as {@code clipmatch embed} batches it.
     */
    static Dataset<Row> texts(Dataset<Row> input, ExecutorModels.Spec spec, int batchSize, boolean truncate) {
        long failId = failId(input);
        MapPartitionsFunction<Row, Row> encode = rows -> {
            List<Row> in = new ArrayList<>();
            rows.forEachRemaining(in::add);
            List<Row> out = new ArrayList<>(in.size());
            if (in.isEmpty()) return out.iterator();
            ClipMatch clip = ExecutorModels.get(spec);
            int dim = clip.dim();
            for (int start = 0, end; start < in.size(); start = end) {
                long group = in.get(start).getLong(0) / TEXT_GROUP;
                end = start;
                while (end < in.size() && in.get(end).getLong(0) / TEXT_GROUP == group) end++;
                List<Row> part = in.subList(start, end);
                Float[][] embedding = new Float[part.size()][];
                clip.encoder().texts(part.stream().map(r -> r.getString(1)).toList(), new Encoder.Settings(batchSize, 1, OnError.FAIL, truncate),
                        i -> "caption id " + part.get(i).getLong(0), EncodeListener.SILENT, (positions, e) -> {
                            for (int k = 0; k < positions.length; k++) embedding[positions[k]] = row(e, k, dim);
                        });
                for (int k = 0; k < part.size(); k++) {
                    Row r = part.get(k);
                    out.add(RowFactory.create(r.getLong(0), r.getString(1), sha256(r.getString(1)), r.isNullAt(2) ? null : r.getLong(2), embedding[k]));
                }
            }
            return failingHalfWay(out, failId);
        };
        return input.mapPartitions(encode, Encoders.row(TEXT_OUTPUT));
    }

    private static long failId(Dataset<Row> input) {
        return Long.parseLong(input.sparkSession().conf().get(FAIL_FIRST_ATTEMPT, "-1"));
    }

    /** The rows; on the injected failure's first attempt, an exception after half of them have been handed to the writer. */
    private static Iterator<Row> failingHalfWay(List<Row> rows, long failId) {
        if (failId < 0 || TaskContext.get().attemptNumber() > 0 || rows.stream().noneMatch(r -> r.getLong(0) == failId)) return rows.iterator();
        Iterator<Row> all = rows.iterator();
        return new Iterator<>() {
            int handed;

            @Override
            public boolean hasNext() {
                return all.hasNext();
            }

            @Override
            public Row next() {
                if (handed++ == rows.size() / 2) throw new IllegalStateException("injected failure of the first attempt of the task with id " + failId);
                return all.next();
            }
        };
    }

    private static Float[] row(float[] data, int r, int dim) {
        Float[] v = new Float[dim];
        for (int i = 0; i < dim; i++) v[i] = data[r * dim + i];
        return v;
    }

    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
