package dev.clipmatch.model;

import dev.clipmatch.CheckpointException;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.InputFileException;
import dev.clipmatch.UnsupportedFeatureException;
import dev.clipmatch.image.PreprocessConfig;
import dev.clipmatch.io.JsonFiles;
import dev.clipmatch.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.JitModule;
import org.bytedeco.pytorch.NamedTensor;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A loaded checkpoint: float32 weights under OpenAI's key names plus the settings shapes cannot tell, and the
 * preprocessing its open_clip config asks for (null when it states none: OpenAI's recipe applies), and the Hugging Face
 * tokenizer settings of a config naming one (null: OpenAI's BPE).
 */
public record Checkpoint(Path path, CheckpointFormat format, StateDict weights, ClipConfig config, PreprocessConfig preprocess,
                         HfTokenizer.Settings hfTokenizer) {

    public static Checkpoint load(Path path) {
        return load(path, null);
    }

    /** True when an open_clip config (beside the weights, or named) chose the architecture, which the weights' checksum does not cover. */
    public boolean openClipConfigured() {
        return preprocess != null;
    }

    /**
     * Loads a checkpoint; {@code arch} (an open_clip model name or config file, may be null) says what a bare
     * state dict cannot: its activation, heads, pooling and masking. A bare .safetensors without one is refused,
     * because GELU and QuickGELU weights (among others) have identical shapes.
     */
    @SuppressWarnings("try") // the scope frees the loader's temporaries without being named in the block
    public static Checkpoint load(Path path, String arch) {
        CheckpointFormat format = CheckpointFormat.detect(path);
        String source = path.toString();
        Map<String, Tensor> raw;
        ClipConfig.ArchSpec spec = ClipConfig.ArchSpec.openAi();
        OpenClipConfig openClip = null;
        Path openClipConfig = Files.isDirectory(path) ? path.resolve("open_clip_config.json") : null;
        if (openClipConfig != null && Files.isRegularFile(openClipConfig)) {
            if (arch != null)
                throw new UnsupportedFeatureException(path + ": an architecture (" + arch + ") was named, but the folder has its own open_clip_config.json; name one or the other");
            openClip = OpenClipConfig.read(openClipConfig);
        } else if (arch != null) {
            openClip = OpenClipConfig.forArch(arch);
        }
        if (openClip != null) spec = openClip.arch();
        try (PointerScope scope = new PointerScope()) {
            raw = switch (format) {
                case TORCHSCRIPT -> torchScript(path);
                case SAFETENSORS, HF_DIRECTORY -> safetensors(CheckpointFormat.weightFiles(path));
                case PICKLE -> TorchPickle.read(CheckpointFormat.weightFiles(path).get(0));
            };
            raw = stripPrefix(raw, "module.");
            raw = customTextToClip(raw);
            if (HfLayout.matches(raw)) {
                if (Files.isDirectory(path) && Files.isRegularFile(path.resolve("config.json"))) {
                    Map<String, Object> cfg = readJson(path.resolve("config.json"));
                    Map<String, Object> v = section(cfg, "vision_config"), t = section(cfg, "text_config");
                    int vHeads = intOr(v, "num_attention_heads", 0), tHeads = intOr(t, "num_attention_heads", 0);
                    spec = spec.withHeads(vHeads > 0 ? vHeads : null, tHeads > 0 ? tHeads : null,
                            ClipConfig.Activation.parse(stringOr(v, "hidden_act", "quick_gelu"), path + "/config.json vision_config"),
                            ClipConfig.Activation.parse(stringOr(t, "hidden_act", "quick_gelu"), path + "/config.json text_config"),
                            v.get("layer_norm_eps") instanceof Number n ? n.doubleValue() : 1e-5);
                } else if (openClip == null) {
                    throw ambiguous(path);
                }
                raw = HfLayout.toOpenAi(new StateDict(source, raw));
            } else if (format != CheckpointFormat.TORCHSCRIPT && openClip == null) {
                throw ambiguous(path);
            }
            for (Tensor t : raw.values()) Tensors.keep(t);
        }
        StateDict weights = new StateDict(source, raw);
        if (openClip != null) openClip.checkTowerKind(weights);
        ClipConfig config = ClipConfig.infer(weights, spec);
        if (openClip != null) openClip.check(config, source);
        return new Checkpoint(path, format, weights, config, openClip == null ? null : openClip.preprocess(), openClip == null ? null : openClip.hfTokenizer());
    }

    private static UnsupportedFeatureException ambiguous(Path path) {
        return new UnsupportedFeatureException(path + ": a bare state dict does not say its architecture: the MLP activation (GELU or QuickGELU), "
                + "the attention heads, pooling and text mask cannot be read from tensor shapes; name its open_clip architecture "
                + "(e.g. ViT-B-32 for LAION weights, ViT-B-32-quickgelu for OpenAI's) or put open_clip_config.json beside the weights in a folder",
                ClipMatchException.Remedy.ARCHITECTURE);
    }

    /** open_clip's CustomTextCLIP keeps the text tower under text.*; CLIP keeps it at the top level (same tensors). */
    private static Map<String, Tensor> customTextToClip(Map<String, Tensor> raw) {
        if (!raw.containsKey("text.token_embedding.weight")) return raw;
        Map<String, Tensor> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> out.put(k.startsWith("text.") ? k.substring(5) : k, v));
        return out;
    }

    private static Map<String, Tensor> safetensors(List<Path> files) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Path f : files) {
            for (Map.Entry<String, Tensor> e : Safetensors.read(f).entrySet()) {
                if (out.put(e.getKey(), e.getValue()) != null) throw new CheckpointException(f + ": tensor '" + e.getKey() + "' appears in two shards");
            }
        }
        return out;
    }

    /** Parameters and buffers of a TorchScript module by name, detached and converted to float32. */
    private static Map<String, Tensor> torchScript(Path path) {
        JitModule module;
        try {
            // map_location cpu: archives saved from a GPU (as OpenAI's were) would otherwise ask for CUDA
            module = torch.load(path.toAbsolutePath().toString(), new DeviceOptional(new Device("cpu")), false);
        } catch (RuntimeException e) {
            throw new CheckpointException(path + ": cannot load the TorchScript archive (" + firstLine(e.getMessage()) + ")");
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        var params = module.named_parameters(true);
        for (var it = params.begin(); it.notEquals(params.end()); it = it.increment()) put(out, it.access());
        var buffers = module.named_buffers(true);
        for (var it = buffers.begin(); it.notEquals(buffers.end()); it = it.increment()) put(out, it.access());
        return out;
    }

    private static void put(Map<String, Tensor> out, NamedTensor nt) {
        Tensor v = nt.value();
        if (!v.is_floating_point()) return;
        out.put(nt.name().getString(), v.detach().to(torch.ScalarType.Float).clone());
    }

    private static Map<String, Tensor> stripPrefix(Map<String, Tensor> raw, String prefix) {
        if (raw.isEmpty() || !raw.keySet().stream().allMatch(k -> k.startsWith(prefix))) return raw;
        Map<String, Tensor> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> out.put(k.substring(prefix.length()), v));
        return out;
    }

    private static Map<String, Object> readJson(Path file) {
        try {
            return JsonFiles.parseObject(Files.readString(file), file + ": malformed JSON");
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read (" + e.getMessage() + ")");
        } catch (InputFileException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(Map<String, Object> cfg, String key) {
        return cfg.get(key) instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    private static int intOr(Map<String, Object> m, String key, int fallback) {
        return m.get(key) instanceof Long n ? n.intValue() : fallback;
    }

    private static String stringOr(Map<String, Object> m, String key, String fallback) {
        return m.get(key) instanceof String s ? s : fallback;
    }

    private static String firstLine(String s) {
        if (s == null) return "unknown error";
        String line = s.strip().lines().findFirst().orElse(s);
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
