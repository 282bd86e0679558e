package dev.clipmatch.image;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.io.JsonFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Image preprocessing settings of a model, as data ({@code models/preprocess/<name>.json}).
 *
 * @param size output side in pixels (the model's input resolution)
 * @param resizeMode how the image is brought to {@code size} before cropping
 * @param interpolation Pillow's resampling filter (antialiased when shrinking)
 * @param crop how the resized image is cut to size x size
 * @param mean per-channel mean (R, G, B) subtracted from the [0, 1] values
 * @param std per-channel standard deviation they are divided by
 */
public record PreprocessConfig(int size, ResizeMode resizeMode, Interpolation interpolation, Crop crop, float[] mean, float[] std) {

    public enum ResizeMode {
        /** The shorter side becomes {@code size}, the longer {@code int(size * long / short)} (torchvision's Resize(int)). */
        @JsonProperty("shortest") SHORTEST,
        /** Both sides become {@code size}. */
        @JsonProperty("squash") SQUASH
    }

    public enum Interpolation {
        @JsonProperty("bicubic") BICUBIC,
        @JsonProperty("bilinear") BILINEAR
    }

    public enum Crop {
        /** Centre crop to size x size, offsets rounded as Python's round. */
        @JsonProperty("center") CENTER
    }

    /** A preset file: the record's fields plus a description; mean and std read as double, then rounded to float. */
    private record PresetFile(String description, Integer size, ResizeMode resizeMode, Interpolation interpolation, Crop crop, double[] mean,
            double[] std) {}

    private record PresetIndex(List<String> presets) {}

    static final int MAX_SIZE = 4096;

    public PreprocessConfig {
        if (size < 1 || size > MAX_SIZE) throw new ClipMatchException("preprocessing: size must be in 1.." + MAX_SIZE + ", got " + size);
        if (resizeMode == null || interpolation == null || crop == null)
            throw new ClipMatchException("preprocessing: resize_mode, interpolation and crop are required");
        if (mean == null || mean.length != 3) throw new ClipMatchException("preprocessing: mean needs 3 values (R, G, B)");
        if (std == null || std.length != 3) throw new ClipMatchException("preprocessing: std needs 3 values (R, G, B)");
        for (float s : std) if (!(s > 0) || Float.isInfinite(s)) throw new ClipMatchException("preprocessing: std values must be positive, got " + s);
        for (float m : mean) if (!Float.isFinite(m)) throw new ClipMatchException("preprocessing: mean values must be finite");
        mean = mean.clone();
        std = std.clone();
    }

    /** A preset from {@code /models/preprocess/<name>.json} on the classpath; a {@link ClipMatchException} if there is none. */
    public static PreprocessConfig preset(String name) {
        if (name == null || !name.matches("[A-Za-z0-9._-]+"))
            throw new ClipMatchException("unknown preprocessing preset \"" + name + "\" (known: " + String.join(", ", presetNames()) + ")");
        String resource = "/models/preprocess/" + name + ".json";
        try (InputStream in = PreprocessConfig.class.getResourceAsStream(resource)) {
            if (in == null)
                throw new ClipMatchException("unknown preprocessing preset \"" + name + "\" (known: " + String.join(", ", presetNames()) + ")");
            return fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8), "models/preprocess/" + name + ".json");
        } catch (IOException e) {
            throw new ClipMatchException("cannot read preprocessing preset " + resource + ": " + e.getMessage(), e);
        }
    }

    /** The presets shipped in {@code models/preprocess} (listed in its index file). */
    public static List<String> presetNames() {
        try (InputStream in = PreprocessConfig.class.getResourceAsStream("/models/preprocess/index.json")) {
            if (in == null) return List.of();
            return List.copyOf(JsonFiles.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), "models/preprocess/index.json", PresetIndex.class).presets());
        } catch (IOException | ClipMatchException | NullPointerException e) {
            return List.of();
        }
    }

    /** Settings from the text of a preset file; {@code where} (its name) prefixes any error. */
    public static PreprocessConfig fromJson(String text, String where) {
        PresetFile f = JsonFiles.parse(text, where, PresetFile.class);
        try {
            if (f.size() == null) throw new ClipMatchException("preprocessing: \"size\" must be an integer in 1.." + MAX_SIZE);
            return new PreprocessConfig(f.size(), f.resizeMode(), f.interpolation(), f.crop(), floats(f.mean(), "mean"), floats(f.std(), "std"));
        } catch (ClipMatchException e) {
            throw new ClipMatchException(where + ": " + e.getMessage(), e);
        }
    }

    private static float[] floats(double[] v, String key) {
        if (v == null || v.length != 3) throw new ClipMatchException("preprocessing: \"" + key + "\" must be a list of 3 numbers (R, G, B)");
        float[] out = new float[3];
        for (int i = 0; i < 3; i++) out[i] = (float) v[i];
        return out;
    }

    /** The same settings at another output size (e.g. {@code --size}). */
    public PreprocessConfig withSize(int newSize) {
        return new PreprocessConfig(newSize, resizeMode, interpolation, crop, mean, std);
    }

    /** Width and height after the resize step, before cropping, for a width x height source. */
    long[] resizedSize(long width, long height) {
        if (resizeMode == ResizeMode.SQUASH) return new long[] {size, size};
        // torchvision: the short side becomes size, the long side int(size * long / short) in double arithmetic.
        if (width <= height) return new long[] {size, (long) ((double) (size * height) / width)};
        return new long[] {(long) ((double) (size * width) / height), size};
    }

    @Override
    public float[] mean() {
        return mean.clone();
    }

    @Override
    public float[] std() {
        return std.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PreprocessConfig c && size == c.size && resizeMode == c.resizeMode
                && interpolation == c.interpolation && crop == c.crop && Arrays.equals(mean, c.mean) && Arrays.equals(std, c.std);
    }

    @Override
    public int hashCode() {
        return Objects.hash(size, resizeMode, interpolation, crop, Arrays.hashCode(mean), Arrays.hashCode(std));
    }

    @Override
    public String toString() {
        return "PreprocessConfig[size=" + size + ", resizeMode=" + resizeMode + ", interpolation=" + interpolation + ", crop=" + crop
                + ", mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
