package dev.clipmatch.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The report's example queries: a pure function of the seed and the counts, distinct, uniform. */
class ExampleSelectionTest {

    @Test
    void sameSeedSameQueriesOtherSeedOtherQueries() {
        ExampleSelection a = ExampleSelection.of(1000, 5000, 20, 7), b = ExampleSelection.of(1000, 5000, 20, 7);
        assertArrayEquals(a.images(), b.images());
        assertArrayEquals(a.captions(), b.captions());
        ExampleSelection c = ExampleSelection.of(1000, 5000, 20, 8);
        assertFalse(Arrays.equals(a.images(), c.images()));
        assertFalse(Arrays.equals(a.captions(), c.captions()));
        assertFalse(Arrays.equals(a.images(), Arrays.copyOf(a.captions(), 20)), "images and captions are drawn independently");
    }

    @Test
    void distinctSortedInRangeAndCappedAtThePopulation() {
        for (long seed = 0; seed < 50; seed++) {
            ExampleSelection s = ExampleSelection.of(37, 185, 20, seed);
            for (int[] pick : new int[][] {s.images(), s.captions()}) {
                assertEquals(20, pick.length);
                for (int i = 1; i < pick.length; i++) assertTrue(pick[i - 1] < pick[i], "sorted and distinct");
            }
            assertTrue(s.images()[19] < 37 && s.images()[0] >= 0);
            assertTrue(s.captions()[19] < 185);
        }
        ExampleSelection all = ExampleSelection.of(3, 15, 20, 1);
        assertArrayEquals(new int[] {0, 1, 2}, all.images());
        assertEquals(15, all.captions().length);
        assertEquals(0, ExampleSelection.of(10, 50, 0, 1).images().length);
    }

    @Test
    void everyQueryIsEquallyLikely() {
        int population = 40, n = 10, seeds = 20_000;
        int[] hits = new int[population];
        for (long seed = 0; seed < seeds; seed++) for (int i : ExampleSelection.of(population, population, n, seed).images()) hits[i]++;
        double expected = (double) seeds * n / population, chi2 = 0;
        for (int h : hits) chi2 += (h - expected) * (h - expected) / expected;
        // 39 degrees of freedom: P(chi2 > 80) < 1e-4 for a uniform draw
        assertTrue(chi2 < 80, "chi-square " + chi2 + " over " + Arrays.toString(hits));
    }
}
