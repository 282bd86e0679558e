package dev.clipmatch.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The native layer kernels (cm_linear, cm_layer_norm) against their plain-Java oracle, bit for bit, on shapes that
 * cross every edge of the kernels' tiles (6-row blocks, 16-column panels, panel pairs, row chunks). The native test
 * binary (NativeSelfTest) checks that the AVX-512, AVX2 and portable variants agree with each other.
 */
class LayerKernelsTest {
    private static float[] gaussian(Random rng, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rng.nextGaussian();
        return v;
    }

    @Test
    void linearIsTheCanonicalChainOnEveryShape() {
        Random rng = new Random(3);
        int[][] shapes = {{1, 1, 1}, {1, 3, 16}, {5, 17, 15}, {6, 16, 32}, {7, 64, 33}, {13, 40, 48}, {12, 9, 49}, {100, 96, 70}, {3, 768, 20}};
        for (int[] s : shapes) {
            int rows = s[0], in = s[1], out = s[2];
            float[] x = gaussian(rng, rows * in), w = gaussian(rng, out * in), b = gaussian(rng, out);
            String what = rows + " x " + in + " -> " + out;
            assertArrayEquals(ReferenceLayers.linear(x, rows, in, w, b, out), PackedLinear.pack(w, b, out, in).apply(x, rows), what);
            assertArrayEquals(ReferenceLayers.linear(x, rows, in, w, null, out), PackedLinear.pack(w, null, out, in).apply(x, rows), what + ", no bias");
        }
    }

    @Test
    void aRowsResultDoesNotDependOnItsNeighbours() {
        Random rng = new Random(4);
        int in = 200, out = 70;
        PackedLinear layer = PackedLinear.pack(gaussian(rng, out * in), gaussian(rng, out), out, in);
        float[] probe = gaussian(rng, in);
        float[] alone = layer.apply(probe, 1);
        for (int rows : new int[] {2, 6, 7, 13, 500}) {
            for (int at : new int[] {0, rows / 2, rows - 1}) {
                float[] x = gaussian(rng, rows * in);
                System.arraycopy(probe, 0, x, at * in, in);
                float[] y = layer.apply(x, rows);
                assertArrayEquals(alone, Arrays.copyOfRange(y, at * out, (at + 1) * out), "row " + at + " of " + rows);
            }
        }
    }

    @Test
    void theOracleIsSensitiveToTheSummationOrder() {
        // guards the tests above: a plain multiply-then-add in the same order already differs somewhere
        Random rng = new Random(5);
        int rows = 8, in = 300, out = 32;
        float[] x = gaussian(rng, rows * in), w = gaussian(rng, out * in);
        float[] unfused = new float[rows * out];
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < out; o++) {
                float acc = 0f;
                for (int k = 0; k < in; k++) acc += x[r * in + k] * w[o * in + k];
                unfused[r * out + o] = acc;
            }
        assertNotEquals(Arrays.toString(unfused), Arrays.toString(PackedLinear.pack(w, null, out, in).apply(x, rows)));
    }

    @Test
    void layerNormMatchesItsOracle() {
        Random rng = new Random(6);
        for (int dim : new int[] {1, 7, 8, 9, 64, 768, 1001}) {
            int rows = 5;
            float[] x = gaussian(rng, rows * dim), g = gaussian(rng, dim), b = gaussian(rng, dim);
            for (int i = 0; i < x.length; i++) x[i] = x[i] * 30f + 7f;  // an offset mean, a large spread
            assertArrayEquals(ReferenceLayers.layerNorm(x, rows, dim, g, b, 1e-5f), LayerNorms.apply(x, rows, dim, g, b, 1e-5f), "dim " + dim);
        }
    }

    @Test
    void badShapesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> PackedLinear.pack(new float[0], null, 0, 0));
        PackedLinear layer = PackedLinear.pack(new float[6], null, 2, 3);
        assertThrows(IllegalArgumentException.class, () -> layer.apply(new float[4], 1));
    }
}
