package dev.clipmatch.model;

import dev.clipmatch.CheckpointException;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.pytorch.Tensor;

/** Float32 weights by OpenAI key name, with errors that name the checkpoint and the tensor. */
public final class StateDict {
    private final String source;
    private final Map<String, Tensor> tensors;

    public StateDict(String source, Map<String, Tensor> tensors) {
        this.source = source;
        this.tensors = tensors;
    }

    public String source() {
        return source;
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    public boolean keysStartingWith(String prefix) {
        return tensors.keySet().stream().anyMatch(k -> k.startsWith(prefix));
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new CheckpointException(source + ": missing tensor '" + name + "' (incomplete checkpoint, or not a CLIP ViT model)");
        return t;
    }

    /** The tensor, checked against the shape the rest of the model implies (-1: any). */
    public Tensor get(String name, long... expected) {
        Tensor t = get(name);
        long[] actual = Tensors.shape(t);
        boolean ok = actual.length == expected.length;
        for (int i = 0; ok && i < expected.length; i++) ok = expected[i] < 0 || expected[i] == actual[i];
        if (!ok)
            throw new CheckpointException(source + ": tensor '" + name + "' has shape " + Arrays.toString(actual) + ", expected " + Arrays.toString(expected)
                    + " (mismatched or corrupt checkpoint)");
        return t;
    }

    /**
     * Removes a tensor and frees its memory now, for a model that keeps its own copy of it (packed): without this
     * the weight would stay resident twice. Its {@link Tensor} object must not be used afterwards.
     */
    void release(String name) {
        Tensor t = tensors.remove(name);
        if (t != null) t.deallocate();
    }

    public long[] shape(String name) {
        return Tensors.shape(get(name));
    }

    /** Number of consecutive blocks {@code prefix0.}, {@code prefix1.}, ... present. */
    public int countBlocks(String prefix) {
        Pattern p = Pattern.compile(Pattern.quote(prefix) + "(\\d+)\\.");
        TreeSet<Integer> seen = new TreeSet<>();
        for (String k : tensors.keySet()) {
            Matcher m = p.matcher(k);
            if (m.lookingAt()) seen.add(Integer.parseInt(m.group(1)));
        }
        for (int i = 0; i < seen.size(); i++) {
            if (!seen.contains(i)) throw new CheckpointException(source + ": block " + prefix + i + " is missing (blocks found: " + seen + ")");
        }
        return seen.size();
    }
}
