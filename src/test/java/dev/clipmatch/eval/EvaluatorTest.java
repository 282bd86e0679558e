package dev.clipmatch.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.kernels.CpuBackend;
import dev.clipmatch.kernels.Embeddings;
import dev.clipmatch.kernels.ReferenceKernels;
import dev.clipmatch.kernels.ScoreBackend.BidirectionalRanks;
import java.io.PrintStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Evaluation against brute force: sort every query's candidates, find the first positive. */
class EvaluatorTest {
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
    static final int[] KS = {1, 5, 10};

    /** Images with 5 or 6 captions each (as COCO), captions noisy copies of their image, some values tied. */
    record Data(Embeddings images, Embeddings texts, long[] textImage) {}

    static Data data(long seed, int n, int dim, double noise) {
        Random rng = new Random(seed);
        float[] im = new float[n * dim];
        for (int i = 0; i < im.length; i++) im[i] = Math.round(rng.nextGaussian() * 4) / 4f;
        int m = 0;
        int[] per = new int[n];
        for (int i = 0; i < n; i++) m += per[i] = rng.nextInt(7) == 0 ? 6 : 5;
        float[] tx = new float[m * dim];
        long[] map = new long[m];
        // shuffled order: captions of an image are not contiguous
        Integer[] order = IntStream.range(0, m).boxed().toArray(Integer[]::new);
        java.util.Collections.shuffle(Arrays.asList(order), rng);
        int c = 0;
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < per[i]; k++, c++) {
                int t = order[c];
                map[t] = i;
                for (int d = 0; d < dim; d++) tx[t * dim + d] = Math.round((im[i * dim + d] + rng.nextGaussian() * noise) * 4) / 4f;
                tx[t * dim] += 0.25f; // never a zero row
            }
        }
        return new Data(new Embeddings(im, n, dim), new Embeddings(tx, m, dim), map);
    }

    /** Brute force on an explicit score matrix s[i][t]. */
    static long[][] bruteForce(float[][] s, long[] map) {
        int n = s.length, m = s[0].length;
        long[] i2t = new long[n], t2i = new long[m];
        for (int i = 0; i < n; i++) {
            final int row = i;
            Integer[] order = IntStream.range(0, m).boxed().toArray(Integer[]::new);
            Arrays.sort(order, Comparator.<Integer>comparingDouble(t -> -s[row][t]).thenComparingInt(t -> t));
            for (int r = 0; r < m; r++) if (map[order[r]] == i) { i2t[i] = r; break; }
        }
        for (int t = 0; t < m; t++) {
            final int col = t;
            Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
            Arrays.sort(order, Comparator.<Integer>comparingDouble(i -> -s[i][col]).thenComparingInt(i -> i));
            for (int r = 0; r < n; r++) if (order[r] == map[t]) { t2i[t] = r; break; }
        }
        return new long[][] {i2t, t2i};
    }

    static float[][] scores(Data d) {
        float[] flat = new ReferenceKernels().similarity(d.images(), d.texts(), true, 1f, false);
        float[][] s = new float[d.images().rows()][];
        for (int i = 0; i < s.length; i++) s[i] = Arrays.copyOfRange(flat, i * d.texts().rows(), (i + 1) * d.texts().rows());
        return s;
    }

    @Test
    void fullSetRanksEqualBruteForce() {
        for (long seed = 0; seed < 4; seed++) {
            Data d = data(seed, 40 + (int) seed * 17, 24, 1.5);
            long[][] want = bruteForce(scores(d), d.textImage());
            BidirectionalRanks got = new EmbeddingSource(d.images(), d.texts(), d.textImage(), new CpuBackend()).fullRanks();
            assertArrayEquals(want[0], got.imageRanks(), "image->text, seed " + seed);
            assertArrayEquals(want[1], got.textRanks(), "text->image, seed " + seed);
            float[] flat = new ReferenceKernels().similarity(d.images(), d.texts(), true, 1f, false);
            BidirectionalRanks fromMatrix = new MatrixSource(flat, d.images().rows(), d.texts().rows(), d.textImage()).fullRanks();
            assertArrayEquals(want[0], fromMatrix.imageRanks());
            assertArrayEquals(want[1], fromMatrix.textRanks());
        }
    }

    @Test
    void metricsFollowTheConventions() {
        RankMetrics m = RankMetrics.of(new long[] {0, 0, 3, 9, 12, 1}, KS);
        assertEquals(100.0 * 2 / 6, m.recall().get(1), 1e-12);
        assertEquals(100.0 * 4 / 6, m.recall().get(5), 1e-12);
        assertEquals(100.0 * 5 / 6, m.recall().get(10), 1e-12);
        assertEquals((0 + 0 + 3 + 9 + 12 + 1) / 6.0 + 1, m.meanRank(), 1e-12);
        assertEquals(3.0, m.medianRank()); // median of 0,0,1,3,9,12 = 2 -> 3
        assertEquals(2.0, RankMetrics.of(new long[] {0, 1, 2, 7}, KS).medianRank()); // median 1.5 -> floor 1 -> 2
    }

    @Test
    void sampledIterationsEqualBruteForceOnTheSubset() {
        Data d = data(11, 60, 16, 2.0);
        float[][] s = scores(d);
        EmbeddingSource source = new EmbeddingSource(d.images(), d.texts(), d.textImage(), new CpuBackend());
        SampledProtocol protocol = new SampledProtocol(source);
        for (int it = 0; it < 20; it++) {
            int[] images = protocol.drawImages(10, it, 7);
            assertEquals(10, Arrays.stream(images).distinct().count());
            int[] captions = IntStream.range(0, d.texts().rows()).filter(t -> Arrays.binarySearch(images, (int) d.textImage()[t]) >= 0).toArray();
            float[][] sub = new float[images.length][captions.length];
            long[] map = new long[captions.length];
            for (int c = 0; c < captions.length; c++) map[c] = Arrays.binarySearch(images, (int) d.textImage()[captions[c]]);
            for (int i = 0; i < images.length; i++) for (int c = 0; c < captions.length; c++) sub[i][c] = s[images[i]][captions[c]];
            long[][] want = bruteForce(sub, map);
            BidirectionalRanks got = protocol.ranks(10, it, 7);
            assertArrayEquals(want[0], got.imageRanks(), "iteration " + it);
            assertArrayEquals(want[1], got.textRanks(), "iteration " + it);
        }
    }

    @Test
    void sampledResultsDoNotDependOnTheScorePath() {
        Data d = data(5, 80, 12, 2.5);
        EmbeddingSource emb = new EmbeddingSource(d.images(), d.texts(), d.textImage(), new CpuBackend());
        SampledResult a = new SampledProtocol(emb).run(20, 30, 3, KS, QUIET);
        SampledResult b = new SampledProtocol(emb.toMatrix()).run(20, 30, 3, KS, QUIET);
        assertEquals(a, b);
        // a different seed draws different samples
        SampledResult c = new SampledProtocol(emb).run(20, 30, 4, KS, QUIET);
        assertTrue(!a.equals(c));
    }

    @Test
    void sampleOfEverythingEqualsTheFullSet() {
        Data d = data(9, 30, 10, 2.0);
        Evaluation e = Evaluator.evaluate(new EmbeddingSource(d.images(), d.texts(), d.textImage(), new CpuBackend()), KS, new int[] {30}, 3, 0, QUIET);
        SampledResult s = e.sampled().get(0);
        assertEquals(e.imageToText().recall().get(1), s.imageToText().get("R@1").mean(), 1e-9);
        assertEquals(e.textToImage().recall().get(5), s.textToImage().get("R@5").mean(), 1e-9);
        assertEquals(0.0, s.imageToText().get("R@1").std(), 1e-12);
        assertEquals(e.rsum(), s.rsum().mean(), 1e-9);
    }

    @Test
    void matrixIsPrecomputedOnlyWhenSamplesCostMore() {
        Data d = data(2, 2000, 64, 1.0); // full matrix: 2000 x ~10,300 x 64 multiply-adds
        EmbeddingSource emb = new EmbeddingSource(d.images(), d.texts(), d.textImage(), new CpuBackend());
        assertSame(emb, Evaluator.samplerFor(emb, new int[] {10}, 50));
        assertNotSame(emb, Evaluator.samplerFor(emb, new int[] {10, 40}, 1000));
    }

    @Test
    void statisticsUseStudentT() {
        assertEquals(12.706, StudentT.quantile975(1), 1e-3);
        assertEquals(4.303, StudentT.quantile975(2), 1e-3);
        assertEquals(3.182, StudentT.quantile975(3), 1e-3);
        assertEquals(2.571, StudentT.quantile975(5), 1e-3);
        assertEquals(2.228, StudentT.quantile975(10), 1e-3);
        assertEquals(2.010, StudentT.quantile975(49), 1e-3);
        assertEquals(1.962, StudentT.quantile975(1000), 1e-3);
        SampledResult.Stat st = SampledResult.Stat.of(new double[] {1, 2, 3, 4});
        assertEquals(2.5, st.mean(), 1e-12);
        assertEquals(Math.sqrt(5.0 / 3), st.std(), 1e-12);
        assertEquals(2.5 - 3.1824 * st.std() / 2, st.ciLow(), 1e-4);
    }
}
