package dev.clipmatch.model;

import dev.clipmatch.kernels.LayerNorms;
import dev.clipmatch.kernels.PackedLinear;
import java.util.function.IntConsumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * A pre-LN transformer over packed rows: the tokens of several items stacked as one [ΣL, W] matrix, each item at
 * its own length L (varlen). Every step is a function of the item alone, so an item's result does not depend on
 * the items packed with it, its position, or the thread count:
 * <ul>
 * <li>linear layers and layer norms run on all rows at once through the layer kernels, which give each row one
 * fixed order of operations whatever the rows around it ({@link PackedLinear}, {@link LayerNorms});</li>
 * <li>attention and the activation's transcendental part (whose vectorised and scalar code paths differ by
 * position) run per item, on fresh tensors of the item's own rows: one LibTorch call sees exactly what the item
 * alone would;</li>
 * <li>residual adds and layer scales are single IEEE operations per element, exact wherever they run.</li>
 * </ul>
 * Weights are packed once at construction, layer by layer; the caller releases each block's original weights as
 * soon as its layer is packed, so loading never holds both copies of more than one layer.
 *
 * <p>Memory while encoding: every item's attention and activation temporaries are freed as soon as that item is
 * done (a scope per item), not at the end of the batch: otherwise a part of a batch would keep every item's
 * temporaries of every layer (hundreds of MB for 16 ViT-B/32 images).
 */
final class PackedTransformer {
    private record Layer(Tensor ln1W, Tensor ln1B, PackedLinear in, PackedLinear out, Tensor ln2W, Tensor ln2B,
                         PackedLinear fc, PackedLinear proj, Tensor ls1, Tensor ls2) {}

    private static final Scalar QUICK_GELU_SCALE = Tensors.keep(new Scalar(1.702f));

    private final Layer[] layers;
    private final int width, heads, mlpWidth;
    private final ClipConfig.Activation activation;
    private final boolean causal;
    private final float eps;

    /** Packs the blocks' linear layers; {@code packed} is told each block's index once it is packed (its weights may go). */
    @SuppressWarnings("try") // the scope frees the packing's temporaries without being named in it
    PackedTransformer(ClipModel.Block[] blocks, int width, int heads, ClipConfig.Activation activation, boolean causal, float eps, IntConsumer packed) {
        this.width = width;
        this.heads = heads;
        this.activation = activation;
        this.causal = causal;
        this.eps = eps;
        mlpWidth = blocks.length == 0 ? 0 : (int) blocks[0].fcW().size(0);
        layers = new Layer[blocks.length];
        for (int i = 0; i < blocks.length; i++) {
            ClipModel.Block b = blocks[i];
            try (PointerScope scope = new PointerScope()) { // contiguous() views would keep the originals alive
                layers[i] = new Layer(b.ln1W(), b.ln1B(), pack(b.inW(), b.inB()), pack(b.outW(), b.outB()), b.ln2W(), b.ln2B(),
                        pack(b.fcW(), b.fcB()), pack(b.projW(), b.projB()), b.ls1(), b.ls2());
            }
            packed.accept(i);
        }
    }

    /** Packs a weight [out][in] with its bias (null: none). */
    static PackedLinear pack(Tensor weight, Tensor bias) {
        Tensor w = weight.contiguous();
        Tensor b = bias == null ? null : bias.contiguous();
        return PackedLinear.pack(w.data_ptr_float(), b == null ? null : b.data_ptr_float(), w.size(0), w.size(1));
    }

    /** x [rows][in] through a packed linear layer: a new [rows][out] tensor. */
    static Tensor linear(PackedLinear layer, Tensor x) {
        Tensor in = x.contiguous();
        return linear(layer, in, torch.empty(in.size(0), layer.out()));
    }

    /** x [rows][in] (contiguous) through a packed linear layer into y [rows][out] (contiguous); returns y. */
    private static Tensor linear(PackedLinear layer, Tensor x, Tensor y) {
        layer.apply(x.data_ptr_float(), x.size(0), y.data_ptr_float());
        return y;
    }

    /** Layer norm of each row of x [rows][W]: a new tensor. */
    static Tensor layerNorm(Tensor x, Tensor w, Tensor b, float eps) {
        Tensor in = x.contiguous();
        return layerNorm(in, w, b, eps, torch.empty(in.size(0), in.size(1)));
    }

    /** Layer norm of each row of x (contiguous) into y (contiguous, may be x); returns y. */
    private static Tensor layerNorm(Tensor x, Tensor w, Tensor b, float eps, Tensor y) {
        LayerNorms.apply(x.data_ptr_float(), x.size(0), x.size(1), w.contiguous().data_ptr_float(), b.contiguous().data_ptr_float(), eps, y.data_ptr_float());
        return y;
    }

    /**
     * Runs every layer on x [ΣL, W] (contiguous; modified in place and returned); item i holds rows
     * [offsets[i], offsets[i + 1]). Intermediate buffers are allocated once per call and reused by every layer:
     * fresh large allocations each time cost page faults comparable to the products themselves.
     */
    Tensor run(Tensor x, long[] offsets) {
        long n = x.size(0);
        Tensor normed = torch.empty(n, width), qkv = torch.empty(n, 3L * width), attn = torch.empty(n, width),
                projected = torch.empty(n, width), hidden = torch.empty(n, mlpWidth);
        for (Layer layer : layers) {
            linear(layer.in(), layerNorm(x, layer.ln1W(), layer.ln1B(), eps, normed), qkv);
            attention(qkv, offsets, attn);
            linear(layer.out(), attn, projected);
            x.add_(layer.ls1() != null ? projected.mul_(layer.ls1()) : projected);
            linear(layer.fc(), layerNorm(x, layer.ln2W(), layer.ln2B(), eps, normed), hidden);
            activate(hidden, offsets);
            linear(layer.proj(), hidden, projected);
            x.add_(layer.ls2() != null ? projected.mul_(layer.ls2()) : projected);
        }
        return x;
    }

    /** Multi-head attention of each item over its own rows of qkv [ΣL, 3W], into out [ΣL, W]. */
    @SuppressWarnings("try") // the scope frees the item's temporaries without being named in it
    private void attention(Tensor qkv, long[] offsets, Tensor out) {
        long hd = width / heads;
        for (int i = 0; i + 1 < offsets.length; i++) {
            try (PointerScope scope = new PointerScope()) {
                attention(qkv, offsets[i], offsets[i + 1] - offsets[i], hd, out);
            }
        }
    }

    /** One item's attention over its rows [offset, offset + l). */
    private void attention(Tensor qkv, long offset, long l, long hd, Tensor out) {
        Tensor item = qkv.narrow(0, offset, l).view(1, l, 3, heads, hd).permute(2, 0, 3, 1, 4); // [3, 1, H, L, hd]
        Tensor a = torch.scaled_dot_product_attention(item.select(0, 0).contiguous(), item.select(0, 1).contiguous(),
                item.select(0, 2).contiguous(), new TensorOptional(), 0.0, causal, new DoubleOptional(), false);
        out.narrow(0, offset, l).copy_(a.transpose(1, 2).reshape(l, width));
    }

    /**
     * The MLP's activation, in place, item by item: the transcendental part (sigmoid, erf) runs on a fresh tensor
     * of the item's own rows; the multiplications are exact wherever they run.
     */
    @SuppressWarnings("try") // the scope frees the item's temporaries without being named in it
    private void activate(Tensor h, long[] offsets) {
        for (int i = 0; i + 1 < offsets.length; i++) {
            try (PointerScope scope = new PointerScope()) {
                Tensor rows = h.narrow(0, offsets[i], offsets[i + 1] - offsets[i]);
                if (activation == ClipConfig.Activation.QUICK_GELU) rows.mul_(torch.sigmoid(rows.mul(QUICK_GELU_SCALE)));
                else if (activation == ClipConfig.Activation.GELU_TANH) rows.copy_(torch.gelu(rows.clone(), "tanh"));
                else rows.copy_(torch.gelu(rows.clone()));
            }
        }
    }
}
