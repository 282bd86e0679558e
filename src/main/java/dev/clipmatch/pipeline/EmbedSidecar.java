package dev.clipmatch.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.clipmatch.image.PreprocessConfig;
import dev.clipmatch.model.ClipConfig;
import java.util.List;

/**
 * The JSON written next to {@code embed}'s .npy (OUT.json): what was embedded, with which model and settings.
 *
 * @param kind "images" or "texts"
 * @param preprocess the image preprocessing (images only)
 * @param tokenizer the tokenizer settings (texts only)
 * @param shape [count, D]
 * @param order per row: the image path, or the text's 1-based line number
 * @param skipped "path: problem" per image left out
 * @param duplicateContent images only: each set of listed paths whose files hold the same bytes (separate rows, equal vectors)
 * @param npySha256 SHA-256 of OUT.npy: the sidecar is written after it, and belongs to that .npy only
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EmbedSidecar(String kind, String model, String checkpoint, String checkpointFormat, String checkpointSha256,
        ClipConfig.Description modelConfig, Preprocess preprocess, Tokenizer tokenizer, boolean normalized, String dtype, String input,
        List<Integer> shape, int count, List<Object> order, List<String> skipped, List<List<String>> duplicateContent,
        String npySha256) {

    public record Preprocess(String preset, int size, PreprocessConfig.ResizeMode resizeMode, PreprocessConfig.Interpolation interpolation,
            PreprocessConfig.Crop crop, float[] mean, float[] std) {
        static Preprocess of(String preset, PreprocessConfig c) {
            return new Preprocess(preset, c.size(), c.resizeMode(), c.interpolation(), c.crop(), c.mean(), c.std());
        }
    }

    public record Tokenizer(String vocabulary, int contextLength, boolean truncate) {}
}
