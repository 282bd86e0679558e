package dev.clipmatch.model;

import dev.clipmatch.CheckpointException;
import dev.clipmatch.InputFileException;
import dev.clipmatch.io.JsonFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** The checkpoint layouts clipmatch reads, recognised from the files themselves rather than their names. */
public enum CheckpointFormat {
    /** OpenAI's released TorchScript archives (fp16 weights, OpenAI key names). */
    TORCHSCRIPT("torchscript"),
    /** A .safetensors state dict, OpenAI/open_clip key names or Hugging Face ones. */
    SAFETENSORS("safetensors"),
    /** A Hugging Face CLIPModel directory: config.json + model.safetensors. */
    HF_DIRECTORY("hf-directory"),
    /** A state dict saved by Python's torch.save (zip format), e.g. open_clip_pytorch_model.bin. */
    PICKLE("pytorch-pickle");

    public final String id;

    CheckpointFormat(String id) {
        this.id = id;
    }

    /**
     * The files holding the weights of a checkpoint path: the file itself, or inside a directory
     * {@code model.safetensors} / {@code open_clip_model.safetensors}, or the shards a
     * {@code model.safetensors.index.json} lists (large Hugging Face checkpoints), in name order, or else a
     * {@code torch.save} pickle ({@code open_clip_pytorch_model.bin}, {@code pytorch_model.bin}).
     */
    public static List<Path> weightFiles(Path checkpoint) {
        if (!Files.isDirectory(checkpoint)) return List.of(checkpoint);
        for (String name : new String[] {"model.safetensors", "open_clip_model.safetensors"}) {
            Path p = checkpoint.resolve(name);
            if (Files.isRegularFile(p)) return List.of(p);
        }
        Path index = checkpoint.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(index)) return shards(index);
        for (String name : new String[] {"open_clip_pytorch_model.bin", "pytorch_model.bin"}) {
            Path p = checkpoint.resolve(name);
            if (Files.isRegularFile(p)) return List.of(p);
        }
        throw new CheckpointException(checkpoint + ": directory has no model.safetensors, open_clip_model.safetensors or open_clip_pytorch_model.bin "
                + "(expected a Hugging Face CLIPModel or open_clip hub directory)");
    }

    private static List<Path> shards(Path index) {
        Map<String, Object> json;
        try {
            json = JsonFiles.parseObject(Files.readString(index), index + ": shard index");
        } catch (InputFileException e) {
            throw new CheckpointException(e.getMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException(index + ": unreadable shard index (" + e.getMessage() + ")");
        }
        if (!(json.get("weight_map") instanceof Map<?, ?> map) || map.isEmpty())
            throw new CheckpointException(index + ": no \"weight_map\" in the shard index");
        TreeSet<String> names = new TreeSet<>();
        for (Object v : map.values()) names.add(String.valueOf(v));
        List<Path> out = new ArrayList<>();
        for (String name : names) {
            Path shard = index.resolveSibling(name).normalize();
            if (!shard.getParent().equals(index.getParent().normalize()) || !Files.isRegularFile(shard))
                throw new CheckpointException(index + ": shard " + name + " is missing");
            out.add(shard);
        }
        return out;
    }

    public static CheckpointFormat detect(Path checkpoint) {
        if (!Files.exists(checkpoint)) throw new CheckpointException(checkpoint + ": no such checkpoint file or directory");
        if (Files.isDirectory(checkpoint)) {
            Path weights = weightFiles(checkpoint).get(0);
            if (weights.getFileName().toString().endsWith(".bin")) {
                detect(weights); // the same checks as for a bare file: a zip torch.save pickle
                return PICKLE;
            }
            if (weights.getFileName().toString().startsWith("open_clip")) return SAFETENSORS;
            if (!Files.isRegularFile(checkpoint.resolve("config.json")))
                throw new CheckpointException(checkpoint + ": Hugging Face model directory without config.json");
            return HF_DIRECTORY;
        }
        byte[] head;
        long size;
        try (InputStream in = Files.newInputStream(checkpoint)) {
            head = in.readNBytes(16);
            size = Files.size(checkpoint);
        } catch (IOException e) {
            throw new CheckpointException(checkpoint + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return isTorchScriptArchive(checkpoint) ? TORCHSCRIPT : PICKLE;
        }
        if (Safetensors.looksLike(head, size)) return SAFETENSORS;
        if (head.length >= 2 && (head[0] & 0xff) == 0x80)
            throw new CheckpointException(checkpoint + ": a legacy (pre-1.6, non-zip) PyTorch pickle, not a supported checkpoint (re-save it with a current torch.save, or as .safetensors)");
        throw new CheckpointException(checkpoint + ": not a recognised CLIP checkpoint (expected a TorchScript .pt archive, a .safetensors file, a torch.save .bin state dict or a model directory)");
    }

    /** TorchScript archives carry compiled code (code/...) besides the pickled data; plain torch.save archives do not. */
    private static boolean isTorchScriptArchive(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (name.contains("/code/") || name.endsWith("constants.pkl")) return true;
            }
            return false;
        } catch (IOException e) {
            throw new CheckpointException(file + ": corrupt or truncated zip archive (" + e.getMessage() + ")");
        }
    }
}
