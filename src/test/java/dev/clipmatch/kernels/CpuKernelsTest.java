package dev.clipmatch.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.clipmatch.kernels.ScoreBackend.BidirectionalRanks;
import dev.clipmatch.kernels.ScoreBackend.TopK;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The native CPU kernels against the plain-Java reference: bit-identical scores, identical ranks and top-K. */
class CpuKernelsTest {
    private final ScoreBackend cpu = new CpuBackend();
    private final ScoreBackend ref = new ReferenceKernels();

    /** Shapes: single rows, dims that are not multiples of 16 (or of 4), sizes around the tile edges. */
    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of(1, 1, 1, false), Arguments.of(1, 9, 3, false), Arguments.of(6, 1, 17, false),
                Arguments.of(37, 301, 33, false), Arguments.of(70, 260, 512, false), Arguments.of(129, 513, 100, false),
                // values in {-1, 0, 1}: scores are small integers, so exact ties are everywhere
                Arguments.of(23, 150, 16, true), Arguments.of(65, 257, 7, true));
    }

    static Embeddings random(Random rng, int rows, int dim, boolean ternary) {
        float[] d = new float[rows * dim];
        for (int i = 0; i < d.length; i++) d[i] = ternary ? rng.nextInt(3) - 1 : (float) rng.nextGaussian();
        for (int r = 0; r < rows; r++) d[r * dim] = ternary && d[r * dim] == 0 ? 1 : d[r * dim]; // no zero rows
        return new Embeddings(d, rows, dim);
    }

    /** Copies some rows onto others, so duplicate candidates tie exactly. */
    static Embeddings withDuplicates(Random rng, Embeddings e) {
        float[] d = e.data().clone();
        for (int k = 0; k < e.rows() / 4; k++) {
            int from = rng.nextInt(e.rows()), to = rng.nextInt(e.rows());
            System.arraycopy(d, from * e.dim(), d, to * e.dim(), e.dim());
        }
        return new Embeddings(d, e.rows(), e.dim());
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void similarityIsBitIdentical(int n, int m, int dim, boolean ternary) {
        Random rng = new Random(n * 31L + m * 7L + dim);
        Embeddings a = random(rng, n, dim, ternary), b = withDuplicates(rng, random(rng, m, dim, ternary));
        for (boolean normalize : new boolean[] {false, true}) {
            assertArrayEquals(ref.similarity(a, b, normalize, 1f, false), cpu.similarity(a, b, normalize, 1f, false), 0f, "normalize=" + normalize);
            assertArrayEquals(ref.similarity(a, b, normalize, 100f, false), cpu.similarity(a, b, normalize, 100f, false), 0f);
        }
        float[] want = ref.similarity(a, b, true, 100f, true), got = cpu.similarity(a, b, true, 100f, true);
        assertArrayEquals(want, got, 1e-6f, "softmax probabilities");
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = 0; j < m; j++) sum += got[i * m + j];
            assertEquals(1.0, sum, 1e-5, "row " + i + " sums to 1");
        }
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void ranksAreIdentical(int n, int m, int dim, boolean ternary) {
        Random rng = new Random(n * 13L + m + dim * 101L);
        Embeddings q = random(rng, n, dim, ternary), c = withDuplicates(rng, random(rng, m, dim, ternary));
        // 1..4 random positives per query (possibly repeated)
        long[] offsets = new long[n + 1];
        long[] positives = new long[n * 4];
        int k = 0;
        for (int i = 0; i < n; i++) {
            int count = 1 + rng.nextInt(Math.min(4, m));
            for (int p = 0; p < count; p++) positives[k++] = rng.nextInt(m);
            offsets[i + 1] = k;
        }
        for (boolean normalize : new boolean[] {false, true}) {
            assertArrayEquals(ref.rank(q, c, offsets, positives, normalize), cpu.rank(q, c, offsets, positives, normalize));
        }
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void bidirectionalRanksAreIdentical(int n, int m, int dim, boolean ternary) {
        Random rng = new Random(n + m * 17L + dim * 3L);
        Embeddings images = random(rng, n, dim, ternary), texts = withDuplicates(rng, random(rng, Math.max(m, n), dim, ternary));
        long[] textImage = new long[texts.rows()];
        for (int t = 0; t < textImage.length; t++) textImage[t] = t < n ? t : rng.nextInt(n); // every image has a text
        BidirectionalRanks want = ref.rankBidirectional(images, texts, textImage, true);
        BidirectionalRanks got = cpu.rankBidirectional(images, texts, textImage, true);
        assertArrayEquals(want.imageRanks(), got.imageRanks());
        assertArrayEquals(want.textRanks(), got.textRanks());
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void topkIsIdentical(int n, int m, int dim, boolean ternary) {
        Random rng = new Random(n * 5L + m * 3L + dim);
        Embeddings q = random(rng, n, dim, ternary), c = withDuplicates(rng, random(rng, m, dim, ternary));
        for (int k : new int[] {1, Math.min(5, m), m}) {
            TopK want = ref.topk(q, c, k, true), got = cpu.topk(q, c, k, true);
            assertArrayEquals(want.indices(), got.indices(), "k=" + k);
            assertArrayEquals(want.scores(), got.scores(), 0f, "k=" + k);
        }
    }

    @Test
    void submatrixRanksAreIdentical() {
        Random rng = new Random(9);
        for (int trial = 0; trial < 20; trial++) {
            int n = 1 + rng.nextInt(40), m = n + rng.nextInt(200);
            float[] scores = new float[n * m];
            for (int i = 0; i < scores.length; i++) scores[i] = trial % 2 == 0 ? rng.nextInt(5) : (float) rng.nextGaussian(); // ties on even trials
            int[] picked = java.util.stream.IntStream.range(0, n).filter(i -> rng.nextInt(3) > 0).toArray();
            int[] rows = picked.length == 0 ? new int[] {0} : picked;
            int[] cols = java.util.stream.IntStream.range(0, m).filter(c -> rng.nextInt(2) == 0 || c < rows.length).toArray();
            int[] colImage = new int[cols.length];
            for (int c = 0; c < cols.length; c++) colImage[c] = c < rows.length ? c : rng.nextInt(rows.length);
            BidirectionalRanks want = ref.rankSubmatrix(scores, m, rows, cols, colImage);
            BidirectionalRanks got = cpu.rankSubmatrix(scores, m, rows, cols, colImage);
            assertArrayEquals(want.imageRanks(), got.imageRanks(), "trial " + trial);
            assertArrayEquals(want.textRanks(), got.textRanks(), "trial " + trial);
        }
        assertThrows(IllegalArgumentException.class, () -> cpu.rankSubmatrix(new float[4], 2, new int[] {0, 1}, new int[] {0}, new int[] {0}),
                "image 1 has no text");
    }

    @Test
    void threadCountDoesNotChangeResults() {
        Random rng = new Random(3);
        Embeddings a = random(rng, 150, 40, true), b = random(rng, 700, 40, true);
        long[] map = new long[700];
        for (int t = 0; t < 700; t++) map[t] = t % 150;
        BidirectionalRanks many = cpu.rankBidirectional(a, b, map, true);
        try {
            CpuBackend.setThreads(1);
            BidirectionalRanks one = cpu.rankBidirectional(a, b, map, true);
            assertArrayEquals(many.imageRanks(), one.imageRanks());
            assertArrayEquals(many.textRanks(), one.textRanks());
        } finally {
            CpuBackend.setThreads(0);
        }
    }

    @Test
    void badArgumentsAreErrorsNotCrashes() {
        Random rng = new Random(1);
        Embeddings a = random(rng, 3, 8, false), b = random(rng, 5, 8, false);
        assertThrows(IllegalArgumentException.class, () -> cpu.topk(a, b, 6, true));
        assertThrows(IllegalArgumentException.class, () -> cpu.topk(a, b, 0, true));
        assertThrows(IllegalArgumentException.class, () -> cpu.rankBidirectional(a, b, new long[] {0, 1, 2, 3, 4}, true));
        assertThrows(IllegalArgumentException.class, () -> cpu.rankBidirectional(a, b, new long[] {0, 1, 1, 1, 1}, true),
                "image 2 has no text");
        assertThrows(IllegalArgumentException.class, () -> cpu.rank(a, b, new long[] {0, 1, 1, 2}, new long[] {0, 1}, true),
                "query without positive");
        Embeddings zero = new Embeddings(new float[8], 1, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cpu.similarity(zero, b, true, 1f, false));
        assertEquals("row 0 has a zero or non-finite norm", e.getMessage());
        Embeddings rows = new Embeddings(new float[] {3, 4, 0, 0}, 2, 2);
        assertEquals("row 1 has a zero or non-finite norm", assertThrows(IllegalArgumentException.class, () -> cpu.normalizeRows(rows)).getMessage());
        Embeddings unit = random(rng, 7, 8, false);
        Embeddings expected = ReferenceKernels.normalized(unit);
        cpu.normalizeRows(unit);
        assertArrayEquals(expected.data(), unit.data(), "the native normalisation is the reference's, bit for bit");
        assertThrows(IllegalArgumentException.class, () -> cpu.similarity(a, random(rng, 2, 9, false), true, 1f, false));
    }
}
