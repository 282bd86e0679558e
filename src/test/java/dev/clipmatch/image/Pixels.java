package dev.clipmatch.image;

import java.util.HashMap;
import java.util.Map;

/** Test helper: a normalised CHW tensor back to the 8-bit HWC RGB image it came from (normalisation is a per-channel table). */
final class Pixels {
    private Pixels() {}

    static byte[] toBytesHwc(float[] chw, PreprocessConfig config) {
        int s = config.size(), plane = s * s;
        float[] mean = config.mean(), std = config.std();
        byte[] out = new byte[3 * plane];
        for (int c = 0; c < 3; c++) {
            Map<Float, Integer> inverse = new HashMap<>();
            for (int v = 0; v < 256; v++) inverse.put(((float) v / 255f - mean[c]) / std[c], v);
            for (int i = 0; i < plane; i++) {
                Integer v = inverse.get(chw[c * plane + i]);
                if (v == null) throw new AssertionError("value " + chw[c * plane + i] + " at channel " + c + " is not a normalised 8-bit level");
                out[i * 3 + c] = (byte) (int) v;
            }
        }
        return out;
    }
}
