package dev.clipmatch.model;

import dev.clipmatch.TestJson;
import dev.clipmatch.io.Npy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The tiny random CLIP fixtures written by tools/make_tiny_models.py: the same weights in the three checkpoint
 * formats (stored gzipped, unpacked once per test JVM) and PyTorch's outputs for a few real inputs.
 */
public final class TinyModels {
    private static final Path RESOURCES = Path.of("src/test/resources/model");
    private static Path unpacked;

    private TinyModels() {}

    public static Path resource(String name) {
        String repo = System.getenv("CLIPMATCH_REPO");
        return (repo != null ? Path.of(repo).resolve(RESOURCES) : RESOURCES).resolve(name);
    }

    public static synchronized Path dir() {
        if (unpacked != null) return unpacked;
        try {
            Path dir = Files.createTempDirectory("clipmatch-tiny-models");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            gunzip(resource("tiny-openai.pt.gz"), dir.resolve("tiny-openai.pt"));
            gunzip(resource("tiny-openclip.safetensors.gz"), dir.resolve("tiny-openclip.safetensors"));
            Files.createDirectories(dir.resolve("tiny-openclip"));
            Files.copy(dir.resolve("tiny-openclip.safetensors"), dir.resolve("tiny-openclip/open_clip_model.safetensors"));
            Files.writeString(dir.resolve("tiny-openclip/open_clip_config.json"), "{\"model_cfg\": " + Files.readString(resource("tiny-openclip-arch.json")) + "}");
            Files.createDirectories(dir.resolve("tiny-hf"));
            Files.copy(resource("tiny-hf/config.json"), dir.resolve("tiny-hf/config.json"));
            gunzip(resource("tiny-hf/model.safetensors.gz"), dir.resolve("tiny-hf/model.safetensors"));
            unpacked = dir;
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path torchScript() {
        return dir().resolve("tiny-openai.pt");
    }

    /** The open_clip hub folder form: open_clip_config.json + open_clip_model.safetensors. */
    public static Path openClip() {
        return dir().resolve("tiny-openclip");
    }

    /** The bare state dict (which needs {@link #openClipArch()} to be run). */
    public static Path openClipFile() {
        return dir().resolve("tiny-openclip.safetensors");
    }

    /** The tiny model's architecture as an open_clip model config file (QuickGELU, 2 + 1 heads). */
    public static String openClipArch() {
        return resource("tiny-openclip-arch.json").toString();
    }

    /** One of the open_clip variant fixtures (src/test/resources/open_clip/NAME) as a hub folder. */
    public static Path openClipVariant(String name) {
        return openClipVariant("open_clip", name);
    }

    /** A fixture of {@code src/test/resources/FIXTURES/NAME} (open_clip, open_clip_towers) as a hub folder. */
    public static synchronized Path openClipVariant(String fixtures, String name) {
        Path folder = dir().resolve(fixtures + "-" + name);
        if (Files.isDirectory(folder)) return folder;
        Path src = resource("../" + fixtures + "/" + name);
        try {
            Files.createDirectories(folder);
            Files.copy(src.resolve("open_clip_config.json"), folder.resolve("open_clip_config.json"));
            gunzip(src.resolve("open_clip_model.safetensors.gz"), folder.resolve("open_clip_model.safetensors"));
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path hfDir() {
        return dir().resolve("tiny-hf");
    }

    public static Npy.FloatArray pixels() {
        return Npy.readFloats(resource("pixels.npy"));
    }

    public static long[] tokenIds() {
        return Npy.readLongs(resource("token_ids.npy"));
    }

    public static Npy.FloatArray imageEmbeds() {
        return Npy.readFloats(resource("image_embeds.npy"));
    }

    public static Npy.FloatArray textEmbeds() {
        return Npy.readFloats(resource("text_embeds.npy"));
    }

    public static Map<String, Object> meta() {
        try {
            return TestJson.parseObject(Files.readString(resource("meta.json")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void gunzip(Path src, Path dst) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(src), 1 << 16)) {
            Files.copy(in, dst, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a temp directory
        }
    }
}
