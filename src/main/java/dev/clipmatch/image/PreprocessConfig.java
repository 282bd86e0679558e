package dev.clipmatch.image;

import dev.clipmatch.ClipMatchException;
import dev.clipmatch.io.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Image preprocessing settings of a model, as data ({@code models/preprocess/<name>.json}).
 *
 * @param size output side in pixels (the model's input resolution)
 * @param resizeMode {@code shortest}: the shorter side becomes {@code size}, the longer
 *     {@code int(size * long / short)} (torchvision's Resize(int)); {@code squash}: both sides become {@code size}
 * @param interpolation {@code bicubic} or {@code bilinear}, Pillow's filters (antialiased when shrinking)
 * @param crop {@code center}: centre crop to size x size with Python's round of the offsets
 * @param mean per-channel mean (R, G, B) subtracted from the [0, 1] values
 * @param std per-channel standard deviation they are divided by
 */
public record PreprocessConfig(int size, String resizeMode, String interpolation, String crop, float[] mean, float[] std) {

    static final int MAX_SIZE = 4096;
    private static final Set<String> KEYS = Set.of("description", "size", "resize_mode", "interpolation", "crop", "mean", "std");

    public PreprocessConfig {
        if (size < 1 || size > MAX_SIZE) throw new ClipMatchException("preprocessing: size must be in 1.." + MAX_SIZE + ", got " + size);
        if (!"shortest".equals(resizeMode) && !"squash".equals(resizeMode))
            throw new ClipMatchException("preprocessing: resize_mode must be \"shortest\" or \"squash\", got \"" + resizeMode + "\"");
        ResamplePass.Filter.named(interpolation);
        if (!"center".equals(crop)) throw new ClipMatchException("preprocessing: crop must be \"center\", got \"" + crop + "\"");
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
            Map<String, Object> json;
            try {
                json = Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new ClipMatchException("models/preprocess/" + name + ".json: " + e.getMessage(), e);
            }
            try {
                return fromJson(json);
            } catch (ClipMatchException e) {
                throw new ClipMatchException("models/preprocess/" + name + ".json: " + e.getMessage(), e);
            }
        } catch (IOException e) {
            throw new ClipMatchException("cannot read preprocessing preset " + resource + ": " + e.getMessage(), e);
        }
    }

    /** The presets shipped in {@code models/preprocess} (listed in its index file). */
    public static List<String> presetNames() {
        try (InputStream in = PreprocessConfig.class.getResourceAsStream("/models/preprocess/index.json")) {
            if (in == null) return List.of();
            Object names = Json.parseObject(new String(in.readAllBytes(), StandardCharsets.UTF_8)).get("presets");
            return names instanceof List<?> list ? list.stream().map(String::valueOf).toList() : List.of();
        } catch (IOException | IllegalArgumentException e) {
            return List.of();
        }
    }

    /** Settings from a parsed JSON object with the keys of the preset files. */
    public static PreprocessConfig fromJson(Map<String, Object> json) {
        for (String key : json.keySet())
            if (!KEYS.contains(key)) throw new ClipMatchException("preprocessing: unknown key \"" + key + "\" (expected " + KEYS + ")");
        Object size = json.get("size");
        if (!(size instanceof Long s) || s < 1 || s > MAX_SIZE) throw new ClipMatchException("preprocessing: \"size\" must be an integer in 1.." + MAX_SIZE);
        return new PreprocessConfig(s.intValue(), text(json, "resize_mode"), text(json, "interpolation"), text(json, "crop"),
                triple(json, "mean"), triple(json, "std"));
    }

    /** The same settings at another output size (e.g. {@code --size}). */
    public PreprocessConfig withSize(int newSize) {
        return new PreprocessConfig(newSize, resizeMode, interpolation, crop, mean, std);
    }

    /** Width and height after the resize step, before cropping, for a width x height source. */
    long[] resizedSize(long width, long height) {
        if ("squash".equals(resizeMode)) return new long[] {size, size};
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
        return o instanceof PreprocessConfig c && size == c.size && resizeMode.equals(c.resizeMode)
                && interpolation.equals(c.interpolation) && crop.equals(c.crop) && Arrays.equals(mean, c.mean) && Arrays.equals(std, c.std);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * size + interpolation.hashCode()) + Arrays.hashCode(mean) + 7 * Arrays.hashCode(std) + resizeMode.hashCode();
    }

    @Override
    public String toString() {
        return "PreprocessConfig[size=" + size + ", resizeMode=" + resizeMode + ", interpolation=" + interpolation + ", crop=" + crop
                + ", mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }

    private static String text(Map<String, Object> json, String key) {
        if (!(json.get(key) instanceof String s)) throw new ClipMatchException("preprocessing: \"" + key + "\" must be a string");
        return s;
    }

    private static float[] triple(Map<String, Object> json, String key) {
        if (!(json.get(key) instanceof List<?> list) || list.size() != 3)
            throw new ClipMatchException("preprocessing: \"" + key + "\" must be a list of 3 numbers (R, G, B)");
        float[] v = new float[3];
        for (int i = 0; i < 3; i++) {
            if (!(list.get(i) instanceof Number n)) throw new ClipMatchException("preprocessing: \"" + key + "\" must be a list of 3 numbers (R, G, B)");
            v[i] = n.floatValue();
        }
        return v;
    }
}
