package dev.clipmatch.eval;

import dev.clipmatch.kernels.CpuBackend;
import dev.clipmatch.kernels.ScoreBackend;
import dev.clipmatch.kernels.ScoreBackend.BidirectionalRanks;

/** Scores held as a dense image x caption matrix: an exported one (e.g. NAAF) or one computed once from embeddings. */
public final class MatrixSource implements ScoreSource {
    private final float[] scores;
    private final int images;
    private final int captions;
    private final long[] captionImage;
    private final ScoreBackend backend;

    /** Ranked by the CPU kernels. */
    public MatrixSource(float[] scores, int images, int captions, long[] captionImage) {
        this(scores, images, captions, captionImage, new CpuBackend());
    }

    /** Ranked by {@code backend} (the device chosen for the evaluation). */
    public MatrixSource(float[] scores, int images, int captions, long[] captionImage, ScoreBackend backend) {
        if ((long) images * captions != scores.length) throw new IllegalArgumentException("score matrix is not " + images + " x " + captions);
        this.scores = scores;
        this.images = images;
        this.captions = captions;
        this.captionImage = captionImage;
        this.backend = backend;
    }

    public float[] scores() {
        return scores;
    }

    @Override
    public int images() {
        return images;
    }

    @Override
    public int captions() {
        return captions;
    }

    @Override
    public long[] captionImage() {
        return captionImage;
    }

    @Override
    public BidirectionalRanks fullRanks() {
        int[] rows = new int[images], cols = new int[captions], colImage = new int[captions];
        for (int i = 0; i < images; i++) rows[i] = i;
        for (int c = 0; c < captions; c++) {
            cols[c] = c;
            colImage[c] = (int) captionImage[c];
        }
        return backend.rankSubmatrix(scores, captions, rows, cols, colImage);
    }

    @Override
    public BidirectionalRanks subsetRanks(int[] images, int[] captions, int[] captionLocalImage) {
        return backend.rankSubmatrix(scores, this.captions, images, captions, captionLocalImage);
    }
}
