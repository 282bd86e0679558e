package dev.clipmatch.report;

import dev.clipmatch.eval.SampledProtocol;
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

    /** min(n, population) distinct indices of [0, population), sorted. */
    static int[] draw(int population, int n, long seed, long stream) {
        int size = Math.max(0, Math.min(n, population));
        return SampledProtocol.distinctSorted(new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ stream), population, size);
    }
}
