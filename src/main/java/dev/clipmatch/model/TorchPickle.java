package dev.clipmatch.model;

import dev.clipmatch.CheckpointException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.ByteVector;
import org.bytedeco.pytorch.GenericDict;
import org.bytedeco.pytorch.GenericDictIterator;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A state dict saved with Python's {@code torch.save} (zip format, as the hub's {@code open_clip_pytorch_model.bin}
 * and {@code pytorch_model.bin}), read by LibTorch's own unpickler ({@code torch::pickle_load}), which rebuilds
 * tensors but runs no Python code. A {@code {"state_dict": ...}} training checkpoint is unwrapped.
 */
final class TorchPickle {
    private TorchPickle() {}

    static Map<String, Tensor> read(Path file) {
        byte[] bytes;
        try {
            if (Files.size(file) > Integer.MAX_VALUE - 16)
                throw new CheckpointException(file + ": PyTorch pickles over 2 GiB are not supported; use the model's .safetensors file");
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        IValue root;
        try {
            root = torch.pickle_load(new ByteVector(bytes));
        } catch (RuntimeException e) {
            throw new CheckpointException(file + ": cannot unpickle the PyTorch file (" + firstLine(e.getMessage()) + ")");
        }
        if (!root.isGenericDict()) throw new CheckpointException(file + ": the PyTorch pickle does not hold a state dict (a dict of tensors)");
        GenericDict dict = root.toGenericDict();
        IValue nested = new IValue("state_dict");
        if (dict.contains(nested) && dict.at(nested).isGenericDict()) dict = dict.at(nested).toGenericDict();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (GenericDictIterator it = dict.begin(); it.notEquals(dict.end()); it = it.increment()) {
            IValue key = it.access().key(), value = it.access().value();
            if (!key.isString()) throw new CheckpointException(file + ": the state dict has a key that is not a string");
            if (!value.isTensor()) continue; // e.g. a saved epoch number next to the weights
            Tensor t = value.toTensor();
            if (t.is_floating_point()) out.put(key.toStringRef().getString(), t.detach().to(torch.ScalarType.Float).contiguous().clone());
        }
        if (out.isEmpty()) throw new CheckpointException(file + ": the PyTorch pickle holds no floating-point tensors");
        return out;
    }

    private static String firstLine(String s) {
        if (s == null) return "unknown error";
        String line = s.strip().lines().findFirst().orElse(s);
        return line.length() > 300 ? line.substring(0, 300) + "..." : line;
    }
}
