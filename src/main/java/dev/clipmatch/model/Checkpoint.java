package dev.clipmatch.model;

import dev.clipmatch.CheckpointException;
import dev.clipmatch.InputFileException;
import dev.clipmatch.io.JsonFiles;
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

/** A loaded checkpoint: float32 weights under OpenAI's key names plus the settings shapes cannot tell. */
public record Checkpoint(Path path, CheckpointFormat format, StateDict weights, ClipConfig config) {

    @SuppressWarnings("try") // the scope frees the loader's temporaries without being named in the block
    public static Checkpoint load(Path path) {
        CheckpointFormat format = CheckpointFormat.detect(path);
        String source = path.toString();
        Map<String, Tensor> raw;
        int vHeads = 0, tHeads = 0;
        ClipConfig.Activation vAct = ClipConfig.Activation.QUICK_GELU, tAct = ClipConfig.Activation.QUICK_GELU;
        double eps = 1e-5;
        try (PointerScope scope = new PointerScope()) {
            raw = switch (format) {
                case TORCHSCRIPT -> torchScript(path);
                case SAFETENSORS, HF_DIRECTORY -> safetensors(CheckpointFormat.weightFiles(path));
            };
            raw = stripPrefix(raw, "module.");
            Path openClipConfig = Files.isDirectory(path) ? path.resolve("open_clip_config.json") : null;
            if (openClipConfig != null && Files.isRegularFile(openClipConfig)) {
                // open_clip models use nn.GELU unless their config asks for QuickGELU (OpenAI's weights do)
                Map<String, Object> modelCfg = section(readJson(openClipConfig), "model_cfg");
                vAct = tAct = Boolean.TRUE.equals(modelCfg.get("quick_gelu")) ? ClipConfig.Activation.QUICK_GELU : ClipConfig.Activation.GELU;
            }
            if (HfLayout.matches(raw)) {
                if (format == CheckpointFormat.HF_DIRECTORY) {
                    Map<String, Object> cfg = readJson(path.resolve("config.json"));
                    Map<String, Object> v = section(cfg, "vision_config"), t = section(cfg, "text_config");
                    vHeads = intOr(v, "num_attention_heads", 0);
                    tHeads = intOr(t, "num_attention_heads", 0);
                    vAct = ClipConfig.Activation.parse(stringOr(v, "hidden_act", "quick_gelu"), path + "/config.json vision_config");
                    tAct = ClipConfig.Activation.parse(stringOr(t, "hidden_act", "quick_gelu"), path + "/config.json text_config");
                    eps = v.get("layer_norm_eps") instanceof Number n ? n.doubleValue() : eps;
                }
                raw = HfLayout.toOpenAi(new StateDict(source, raw));
            }
            for (Tensor t : raw.values()) Tensors.keep(t);
        }
        StateDict weights = new StateDict(source, raw);
        ClipConfig config = ClipConfig.infer(weights, vHeads, tHeads, vAct, tAct, eps);
        return new Checkpoint(path, format, weights, config);
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
