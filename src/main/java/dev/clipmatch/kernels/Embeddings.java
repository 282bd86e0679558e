package dev.clipmatch.kernels;

/** A dense row-major float32 matrix: {@code rows} vectors of {@code dim} values. */
public record Embeddings(float[] data, int rows, int dim) {
    public Embeddings {
        if (rows < 0 || dim < 1 || (long) rows * dim != data.length)
            throw new IllegalArgumentException("embeddings of " + data.length + " floats are not " + rows + " x " + dim);
    }

    public float get(int row, int col) {
        return data[row * dim + col];
    }
}
