package dev.clipmatch.report;

import java.util.Arrays;
import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * The queries a report shows as retrieved examples: {@code n} images and {@code n} captions drawn uniformly
 * without replacement, a pure function of (seed, counts, n), so a rerun or another machine shows the same ones.
 *
 * @param images image indices, ascending
 * @param captions caption indices, ascending
 */
public record ExampleSelection(int[] images, int[] captions) {

    public static ExampleSelection of(int imageCount, int captionCount, int n, long seed) {
        return new ExampleSelection(draw(imageCount, n, seed, 0x1A6E5L), draw(captionCount, n, seed, 0xCA9710L));
    }

    /** min(n, population) distinct indices of [0, population), sorted (Floyd's algorithm: uniform, O(n)). */
    static int[] draw(int population, int n, long seed, long stream) {
        int size = Math.max(0, Math.min(n, population));
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ stream);
        BitSet chosen = new BitSet(population);
        int[] out = new int[size];
        int k = 0;
        for (int j = population - size; j < population; j++) {
            int t = rng.nextInt(j + 1);
            int pick = chosen.get(t) ? j : t;
            chosen.set(pick);
            out[k++] = pick;
        }
        Arrays.sort(out);
        return out;
    }
}
