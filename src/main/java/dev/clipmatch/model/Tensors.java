package dev.clipmatch.model;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/** Copies between Java arrays and LibTorch tensors. */
public final class Tensors {
    private Tensors() {}

    /** An owning float32 tensor holding a copy of {@code data} with the given shape. */
    public static Tensor fromFloats(float[] data, int offset, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        try (FloatPointer p = new FloatPointer(n)) {
            p.put(data, offset, (int) n);
            return torch.from_blob(p, shape, new TensorOptions(torch.ScalarType.Float)).clone();
        }
    }

    /** An owning int64 tensor holding a copy of {@code data} with the given shape. */
    public static Tensor fromLongs(long[] data, long... shape) {
        try (LongPointer p = new LongPointer(data)) {
            return torch.from_blob(p, shape, new TensorOptions(torch.ScalarType.Long)).clone();
        }
    }

    /** The elements of a float tensor in row-major order. */
    public static float[] toFloats(Tensor t) {
        Tensor c = t.to(torch.ScalarType.Float).contiguous();
        float[] out = new float[Math.toIntExact(c.numel())];
        c.data_ptr_float().get(out);
        return out;
    }

    public static long[] shape(Tensor t) {
        long[] s = new long[(int) t.dim()];
        for (int i = 0; i < s.length; i++) s[i] = t.size(i);
        return s;
    }

    /**
     * Keeps a tensor alive past the {@link org.bytedeco.javacpp.PointerScope} it was made in: model weights are
     * loaded once and used by every later batch, whatever scope the caller happened to hold while loading.
     */
    public static <P extends Pointer> P keep(P p) {
        p.retainReference();
        return p;
    }
}
