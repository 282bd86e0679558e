package dev.clipmatch.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ResamplePassTest {

    private static final int ONE = 1 << ResamplePass.PRECISION_BITS;

    @Test
    void shrinkingWidensTheKernelAndWeightsSumToOne() {
        // 500 -> 298: scale 1.678, support 2 * 1.678 = 3.36, so up to 2 * 4 + 1 taps
        ResamplePass p = ResamplePass.of(ResamplePass.Filter.BICUBIC, 500, 298, 0, 298);
        assertEquals(9, p.taps());
        for (int i = 0; i < 298; i++) {
            long sum = 0;
            for (int t = 0; t < p.bounds()[2 * i + 1]; t++) sum += p.coeffs()[i * p.taps() + t];
            assertTrue(Math.abs(sum - ONE) <= p.taps(), "weights of output " + i + " sum to " + sum);
            assertTrue(p.bounds()[2 * i] >= 0 && p.bounds()[2 * i] + p.bounds()[2 * i + 1] <= 500);
        }
        assertEquals(0, p.bounds()[0]);  // clipped at the left edge
    }

    @Test
    void aWindowIsTheSameAsTheMatchingPartOfTheWholePass() {
        ResamplePass whole = ResamplePass.of(ResamplePass.Filter.BICUBIC, 655, 326, 0, 326);
        ResamplePass window = ResamplePass.of(ResamplePass.Filter.BICUBIC, 655, 326, 51, 224);
        for (int i = 0; i < 224; i++) {
            assertEquals(whole.bounds()[2 * (51 + i)], window.bounds()[2 * i]);
            assertEquals(whole.bounds()[2 * (51 + i) + 1], window.bounds()[2 * i + 1]);
            for (int t = 0; t < whole.taps(); t++) assertEquals(whole.coeffs()[(51 + i) * whole.taps() + t], window.coeffs()[i * window.taps() + t]);
        }
    }

    @Test
    void enlargingKeepsTheUnitKernelAndKnownWeights() {
        // 2x upscale: output 1 centres at 0.75, so taps at source 0..2 with offsets -0.25 .. +1.75 (left edge clipped)
        ResamplePass p = ResamplePass.of(ResamplePass.Filter.BICUBIC, 10, 20, 0, 20);
        assertEquals(5, p.taps());
        assertEquals(0, p.bounds()[2]);
        // Keys' cubic (a = -0.5) at distances 0.25, 0.75, 1.75: 0.8671875, 0.2265625, -0.0234375; normalised by their sum
        double sum = 0.8671875 + 0.2265625 - 0.0234375;
        int[] expected = {(int) (0.5 + 0.8671875 / sum * ONE), (int) (0.5 + 0.2265625 / sum * ONE), (int) (-0.5 - 0.0234375 / sum * ONE)};
        assertArrayEquals(expected, java.util.Arrays.copyOfRange(p.coeffs(), 5, 8));
    }

    @Test
    void identityIsOneUnitTapPerPixel() {
        ResamplePass p = ResamplePass.identity(37, 3);
        assertArrayEquals(new int[] {37, 1, 38, 1, 39, 1}, p.bounds());
        assertArrayEquals(new int[] {ONE, ONE, ONE}, p.coeffs());
    }
}
