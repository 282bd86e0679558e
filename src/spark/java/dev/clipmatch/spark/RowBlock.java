package dev.clipmatch.spark;

import dev.clipmatch.kernels.Embeddings;
import java.io.Serializable;

/**
 * Consecutive rows of an embedding table, [start, start + rows) in global index order, raw (not normalised).
 * For caption blocks, {@code image} holds each caption's global image index.
 */
record RowBlock(int id, long start, int rows, int dim, float[] data, long[] image) implements Serializable {
    Embeddings embeddings() {
        return new Embeddings(data, rows, dim);
    }
}
