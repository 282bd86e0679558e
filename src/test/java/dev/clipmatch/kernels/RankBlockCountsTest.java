package dev.clipmatch.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.clipmatch.kernels.ScoreBackend.BidirectionalRanks;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * cm_rank_block_counts, the kernel of the distributed rank: each block equals the plain-Java oracle, and the
 * counts summed over any cut into blocks equal the single-pass ranks of cm_rank_bidirectional.
 */
class RankBlockCountsTest {

    /** Thresholds of the full set, as the distributed pass computes them before scoring blocks. */
    record Thresholds(float[] imageBest, long[] imageBestText, float[] textBest) {
        static Thresholds of(Embeddings images, Embeddings texts, long[] textImage) {
            float[] textBest = new float[texts.rows()];
            float[] imageBest = new float[images.rows()];
            long[] imageBestText = new long[images.rows()];
            java.util.Arrays.fill(imageBestText, -1);
            for (int t = 0; t < texts.rows(); t++) {
                int i = (int) textImage[t];
                textBest[t] = ReferenceKernels.dot(images.data(), i * images.dim(), texts.data(), t * texts.dim(), texts.dim());
                if (imageBestText[i] < 0 || textBest[t] > imageBest[i]) { // texts in increasing order: the lowest index wins ties
                    imageBest[i] = textBest[t];
                    imageBestText[i] = t;
                }
            }
            return new Thresholds(imageBest, imageBestText, textBest);
        }
    }

    @ParameterizedTest
    @CsvSource({"40, 200, 16, 7, 33", "13, 61, 5, 13, 61", "300, 1500, 32, 128, 250", "9, 9, 3, 1, 1"})
    void blocksSumToTheSinglePassRanks(int n, int m, int dim, int imageBlock, int textBlock) {
        Random rng = new Random(n * 1000L + m);
        // ternary values and duplicated rows: many exact ties, across block edges too
        Embeddings images = ReferenceKernels.normalized(CpuKernelsTest.withDuplicates(rng, CpuKernelsTest.random(rng, n, dim, true)));
        Embeddings texts = ReferenceKernels.normalized(CpuKernelsTest.withDuplicates(rng, CpuKernelsTest.random(rng, m, dim, true)));
        long[] textImage = new long[m];
        for (int t = 0; t < m; t++) textImage[t] = t < n ? t : rng.nextInt(n); // every image has a text; uneven counts
        Thresholds th = Thresholds.of(images, texts, textImage);
        long[] imageRanks = new long[n], textRanks = new long[m];
        for (int i0 = 0; i0 < n; i0 += imageBlock) {
            int in = Math.min(imageBlock, n - i0);
            Embeddings ib = rows(images, i0, in);
            for (int t0 = 0; t0 < m; t0 += textBlock) {
                int tn = Math.min(textBlock, m - t0);
                Embeddings tb = rows(texts, t0, tn);
                float[] ibest = slice(th.imageBest(), i0, in), tbest = slice(th.textBest(), t0, tn);
                long[] ibestText = slice(th.imageBestText(), i0, in), timage = slice(textImage, t0, tn);
                BidirectionalRanks got = CpuBackend.rankBlockCounts(ib, i0, tb, t0, ibest, ibestText, tbest, timage);
                BidirectionalRanks want = ReferenceKernels.rankBlockCounts(ib, i0, tb, t0, ibest, ibestText, tbest, timage);
                assertArrayEquals(want.imageRanks(), got.imageRanks(), "image counts of block " + i0 + "," + t0);
                assertArrayEquals(want.textRanks(), got.textRanks(), "text counts of block " + i0 + "," + t0);
                for (int i = 0; i < in; i++) imageRanks[i0 + i] += got.imageRanks()[i];
                for (int t = 0; t < tn; t++) textRanks[t0 + t] += got.textRanks()[t];
            }
        }
        BidirectionalRanks single = new CpuBackend().rankBidirectional(images, texts, textImage, false);
        assertArrayEquals(single.imageRanks(), imageRanks, "image->text ranks");
        assertArrayEquals(single.textRanks(), textRanks, "text->image ranks");
    }

    @Test
    void rejectsMismatchedThresholds() {
        Embeddings one = new Embeddings(new float[] {1, 0}, 1, 2);
        assertThrows(IllegalArgumentException.class,
                () -> CpuBackend.rankBlockCounts(one, 0, one, 0, new float[0], new long[0], new float[] {1}, new long[] {0}));
    }

    static Embeddings rows(Embeddings e, int from, int count) {
        return new Embeddings(java.util.Arrays.copyOfRange(e.data(), from * e.dim(), (from + count) * e.dim()), count, e.dim());
    }

    static float[] slice(float[] a, int from, int count) {
        return java.util.Arrays.copyOfRange(a, from, from + count);
    }

    static long[] slice(long[] a, int from, int count) {
        return java.util.Arrays.copyOfRange(a, from, from + count);
    }
}
