package dev.clipmatch.eval;

import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.kernels.ReferenceKernels;
import dev.clipmatch.kernels.ScoreBackend;
import dev.clipmatch.kernels.ScoreBackend.BidirectionalRanks;

/**
 * Scores from image and caption embeddings, L2-normalised once: the full set is ranked by the streaming kernel
 * (no score matrix), and samples score only their own rows.
 */
public final class EmbeddingSource implements ScoreSource {
    private final Embeddings images;
    private final Embeddings captions;
    private final long[] captionImage;
    private final ScoreBackend backend;

    public EmbeddingSource(Embeddings images, Embeddings captions, long[] captionImage, ScoreBackend backend) {
        this.images = ReferenceKernels.normalized(images);
        this.captions = ReferenceKernels.normalized(captions);
        this.captionImage = captionImage;
        this.backend = backend;
    }

    @Override
    public int images() {
        return images.rows();
    }

    @Override
    public int captions() {
        return captions.rows();
    }

    @Override
    public long[] captionImage() {
        return captionImage;
    }

    @Override
    public BidirectionalRanks fullRanks() {
        return backend.rankBidirectional(images, captions, captionImage, false);
    }

    /** The full score matrix, for when many samples make scoring each one separately dearer than scoring all once. */
    public MatrixSource toMatrix() {
        float[] s = backend.similarity(images, captions, false, 1f, false);
        return new MatrixSource(s, images.rows(), captions.rows(), captionImage, backend);
    }

    @Override
    public BidirectionalRanks subsetRanks(int[] imageIdx, int[] captionIdx, int[] captionLocalImage) {
        Embeddings im = gather(images, imageIdx), tx = gather(captions, captionIdx);
        float[] s = backend.similarity(im, tx, false, 1f, false);
        int[] rows = identity(imageIdx.length), cols = identity(captionIdx.length);
        return backend.rankSubmatrix(s, captionIdx.length, rows, cols, captionLocalImage);
    }

    /** Multiply-adds to score one subset, for choosing how to score samples. */
    public double subsetCost(int nImages, int nCaptions) {
        return (double) nImages * nCaptions * images.dim();
    }

    /** Multiply-adds to score the full matrix once. */
    public double fullCost() {
        return (double) images.rows() * captions.rows() * images.dim();
    }

    private static Embeddings gather(Embeddings e, int[] idx) {
        float[] out = new float[idx.length * e.dim()];
        for (int r = 0; r < idx.length; r++) System.arraycopy(e.data(), idx[r] * e.dim(), out, r * e.dim(), e.dim());
        return new Embeddings(out, idx.length, e.dim());
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }
}
