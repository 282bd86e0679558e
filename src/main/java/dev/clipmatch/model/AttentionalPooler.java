package dev.clipmatch.model;

import dev.clipmatch.CheckpointException;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * open_clip's AttentionalPooler (CoCa's image tower, {@code attentional_pool: true}): learned queries, LayerNorm'd
 * ({@code ln_q}), attend with one multi-head attention over the LayerNorm'd ({@code ln_k}) transformer tokens; keys
 * and values come from the tower's width, queries and output have the embedding width. Its LayerNorms are
 * open_clip's default (eps 1e-5): the tower's norm_kwargs do not reach them.
 */
final class AttentionalPooler {
    private static final double EPS = 1e-5;
    private final Tensor query, lnQW, lnQB, lnKW, lnKB, qW, kW, vW, qB, kB, vB, outW, outB;
    private final int heads;

    AttentionalPooler(StateDict w, int width, int heads) {
        String p = "visual.attn_pool.";
        this.heads = heads;
        query = w.get(p + "query");
        long d = Tensors.shape(query)[1];
        lnQW = w.get(p + "ln_q.weight", d);
        lnQB = w.get(p + "ln_q.bias", d);
        lnKW = w.get(p + "ln_k.weight", width);
        lnKB = w.get(p + "ln_k.bias", width);
        // nn.MultiheadAttention packs q/k/v in one matrix only when keys have the query's width
        if (w.has(p + "attn.in_proj_weight")) {
            if (width != d)
                throw new CheckpointException(w.source() + ": tensor '" + p + "attn.in_proj_weight' packs keys of width " + d + " but the tower's width is " + width);
            Tensor in = w.get(p + "attn.in_proj_weight", 3 * d, d);
            qW = in.narrow(0, 0, d);
            kW = in.narrow(0, d, d);
            vW = in.narrow(0, 2 * d, d);
        } else {
            qW = w.get(p + "attn.q_proj_weight", d, d);
            kW = w.get(p + "attn.k_proj_weight", d, width);
            vW = w.get(p + "attn.v_proj_weight", d, width);
        }
        Tensor bias = w.get(p + "attn.in_proj_bias", 3 * d);
        qB = bias.narrow(0, 0, d);
        kB = bias.narrow(0, d, d);
        vB = bias.narrow(0, 2 * d, d);
        outW = w.get(p + "attn.out_proj.weight", d, d);
        outB = w.get(p + "attn.out_proj.bias", d);
        if (d % heads != 0)
            throw new CheckpointException(w.source() + ": the attentional pooler's width " + d + " is not divisible by attn_pooler_heads " + heads);
    }

    /** The pooled queries [B, queries, embed] of tokens [B, L, width]. */
    Tensor pool(Tensor x) {
        long b = x.size(0), l = x.size(1), n = query.size(0), d = query.size(1), hd = d / heads;
        x = torch.layer_norm(x, new long[] {x.size(-1)}, new TensorOptional(lnKW), new TensorOptional(lnKB), EPS, false);
        Tensor q = torch.layer_norm(query, new long[] {d}, new TensorOptional(lnQW), new TensorOptional(lnQB), EPS, false);
        q = torch.linear(q, qW, new TensorOptional(qB)).view(1, n, heads, hd).transpose(1, 2).expand(b, heads, n, hd);
        Tensor k = torch.linear(x, kW, new TensorOptional(kB)).view(b, l, heads, hd).transpose(1, 2);
        Tensor v = torch.linear(x, vW, new TensorOptional(vB)).view(b, l, heads, hd).transpose(1, 2);
        Tensor a = torch.scaled_dot_product_attention(q, k, v, new TensorOptional(), 0.0, false, new DoubleOptional(), false); // [B, H, n, hd]
        return torch.linear(a.transpose(1, 2).reshape(b, n, d), outW, new TensorOptional(outB));
    }
}
