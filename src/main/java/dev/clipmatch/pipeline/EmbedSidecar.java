package dev.clipmatch.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.clipmatch.InputFileException;
import dev.clipmatch.image.PreprocessConfig;
import dev.clipmatch.io.Checksums;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.model.ClipConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /**
     * Refuses an {@code embed} output whose sidecar names another .npy (the pair was mixed, or the .npy changed
     * after embed wrote it). A .npy without a sidecar, or beside a JSON file that is not embed's, is not checked.
     */
    public static void checkPair(Path npy) {
        Path sidecar = EmbedJob.sidecarPath(npy);
        if (!Files.isRegularFile(sidecar)) return;
        JsonNode root;
        try {
            root = JsonFiles.mapper().readTree(sidecar.toFile());
        } catch (IOException e) {
            return; // not embed's sidecar (embed writes it atomically)
        }
        if (root == null || !root.path("npy_sha256").isTextual() || !root.path("kind").isTextual()) return;
        String want = root.get("npy_sha256").asText(), got = Checksums.sha256(npy);
        if (!want.equals(got))
            throw new InputFileException(npy + ": does not match its embed sidecar " + sidecar.getFileName() + " (npy_sha256 " + want.substring(0, 12)
                    + "…, the file's " + got.substring(0, 12) + "…): it was changed after embed wrote the pair; rerun embed");
    }
}
