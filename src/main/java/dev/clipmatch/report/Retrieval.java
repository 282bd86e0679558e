package dev.clipmatch.report;

import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.kernels.ReferenceKernels;
import dev.clipmatch.kernels.ScoreBackend;
import dev.clipmatch.kernels.ScoreBackend.BidirectionalRanks;
import dev.clipmatch.kernels.ScoreBackend.TopK;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * What the report shows of retrieval, from the same canonical scores and ranks as the evaluation: each
 * query's top candidates, its best positive and that positive's rank, in both directions.
 */
final class Retrieval {

    /**
     * @param query image index (image→text) or caption index (text→image)
     * @param rank 0-based rank of the best positive (candidates scoring strictly higher, open_clip's tie rule)
     * @param top the best candidates, best first; {@code scores} their cosines
     * @param bestPositive the positive candidate with the highest score; {@code bestScore} its cosine
     */
    record Query(int query, long rank, int[] top, float[] scores, int bestPositive, float bestScore) {}

    private final Embeddings images, texts;
    private final long[] captionImage;
    private final int[][] captionsOf;
    private final ScoreBackend backend;
    private final BidirectionalRanks ranks;

    Retrieval(Embeddings images, Embeddings texts, long[] captionImage, ScoreBackend backend) {
        this.images = ReferenceKernels.normalized(images); // once, as the evaluation does, so scores and ranks are the same numbers
        this.texts = ReferenceKernels.normalized(texts);
        this.captionImage = captionImage;
        this.backend = backend;
        int[] count = new int[images.rows()];
        for (long g : captionImage) count[(int) g]++;
        captionsOf = new int[images.rows()][];
        for (int i = 0; i < count.length; i++) captionsOf[i] = new int[count[i]];
        int[] fill = new int[images.rows()];
        for (int c = 0; c < captionImage.length; c++) captionsOf[(int) captionImage[c]][fill[(int) captionImage[c]]++] = c;
        ranks = backend.rankBidirectional(this.images, this.texts, captionImage, false);
    }

    int[] captionsOf(int image) {
        return captionsOf[image];
    }

    /** The {@code n} queries whose best positive ranks worst, worst first (ties: lower index first). */
    int[] worst(boolean imageToText, int n) {
        long[] r = imageToText ? ranks.imageRanks() : ranks.textRanks();
        return IntStream.range(0, r.length).boxed().sorted(Comparator.comparingLong((Integer q) -> -r[q]).thenComparingInt(q -> q))
                .limit(n).mapToInt(Integer::intValue).toArray();
    }

    /** Image queries: the top {@code k} captions of each, and the rank of its best caption. */
    List<Query> imageToText(int[] queries, int k) {
        TopK top = backend.topk(gather(images, queries), texts, Math.min(k, texts.rows()), false);
        List<Query> out = new ArrayList<>(queries.length);
        for (int q = 0; q < queries.length; q++) {
            int[] positives = captionsOf[queries[q]];
            float[] s = backend.similarity(gather(images, new int[] {queries[q]}), gather(texts, positives), false, 1f, false);
            int best = 0;
            for (int p = 1; p < positives.length; p++) if (s[p] > s[best]) best = p;
            out.add(query(queries[q], ranks.imageRanks()[queries[q]], top, q, positives[best], s[best]));
        }
        return out;
    }

    /** Caption queries: the top {@code k} images of each, and the rank of its image. */
    List<Query> textToImage(int[] queries, int k) {
        TopK top = backend.topk(gather(texts, queries), images, Math.min(k, images.rows()), false);
        List<Query> out = new ArrayList<>(queries.length);
        for (int q = 0; q < queries.length; q++) {
            int positive = (int) captionImage[queries[q]];
            float[] s = backend.similarity(gather(texts, new int[] {queries[q]}), gather(images, new int[] {positive}), false, 1f, false);
            out.add(query(queries[q], ranks.textRanks()[queries[q]], top, q, positive, s[0]));
        }
        return out;
    }

    private static Query query(int query, long rank, TopK top, int row, int bestPositive, float bestScore) {
        int[] idx = new int[top.k()];
        float[] sc = new float[top.k()];
        for (int j = 0; j < top.k(); j++) {
            idx[j] = (int) top.indices()[row * top.k() + j];
            sc[j] = top.scores()[row * top.k() + j];
        }
        return new Query(query, rank, idx, sc, bestPositive, bestScore);
    }

    static Embeddings gather(Embeddings e, int[] rows) {
        float[] out = new float[rows.length * e.dim()];
        for (int r = 0; r < rows.length; r++) System.arraycopy(e.data(), rows[r] * e.dim(), out, r * e.dim(), e.dim());
        return new Embeddings(out, rows.length, e.dim());
    }
}
