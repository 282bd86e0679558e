package dev.clipmatch.model;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * timm's SigLIP ViT trunk as open_clip wraps it (vision_cfg.timm_model_name vit_*_siglip_*, timm_pool map,
 * timm_proj none), on LibTorch ops: patch convolution with bias, learned position embedding (no class token),
 * pre-LN blocks (fused qkv), final LayerNorm, then the MAP head: one learned latent query attends over the tokens
 * (separate q and kv projections, same head count), out projection, and a residual MLP on its LayerNorm. timm's
 * LayerNorms use eps 1e-6. Weights under visual.trunk.* as open_clip's state dict keeps them.
 */
final class TimmVitTower {
    static final String PATCH_WEIGHT = "visual.trunk.patch_embed.proj.weight";
    static final double EPS = 1e-6;
    private static final String P = "visual.trunk.";

    private final int width, heads, patch;
    private final ClipConfig.Activation act;
    private final Tensor patchW, patchB, pos, normW, normB;
    private final Tensor latent, qW, qB, kvW, kvB, poolProjW, poolProjB, poolNormW, poolNormB, poolFc1W, poolFc1B, poolFc2W, poolFc2B;
    private final Block[] blocks;

    private record Block(Tensor n1W, Tensor n1B, Tensor qkvW, Tensor qkvB, Tensor projW, Tensor projB,
                         Tensor n2W, Tensor n2B, Tensor fc1W, Tensor fc1B, Tensor fc2W, Tensor fc2B) {}

    TimmVitTower(StateDict w, ClipConfig cfg) {
        width = cfg.visionWidth();
        heads = cfg.visionHeads();
        patch = cfg.patch();
        act = cfg.visionActivation();
        int d = width, mlp = cfg.visionMlp();
        long tokens = (long) cfg.grid() * cfg.grid();
        patchW = w.get(PATCH_WEIGHT, d, 3, patch, patch);
        patchB = w.get(P + "patch_embed.proj.bias", d);
        pos = w.get(P + "pos_embed", 1, tokens, d);
        normW = w.get(P + "norm.weight", d);
        normB = w.get(P + "norm.bias", d);
        String a = P + "attn_pool.";
        latent = w.get(a + "latent", 1, 1, d);
        qW = w.get(a + "q.weight", d, d);
        qB = w.get(a + "q.bias", d);
        kvW = w.get(a + "kv.weight", 2L * d, d);
        kvB = w.get(a + "kv.bias", 2L * d);
        poolProjW = w.get(a + "proj.weight", d, d);
        poolProjB = w.get(a + "proj.bias", d);
        poolNormW = w.get(a + "norm.weight", d);
        poolNormB = w.get(a + "norm.bias", d);
        poolFc1W = w.get(a + "mlp.fc1.weight", mlp, d);
        poolFc1B = w.get(a + "mlp.fc1.bias", mlp);
        poolFc2W = w.get(a + "mlp.fc2.weight", d, mlp);
        poolFc2B = w.get(a + "mlp.fc2.bias", d);
        blocks = new Block[cfg.visionLayers()];
        for (int i = 0; i < blocks.length; i++) {
            String b = P + "blocks." + i + ".";
            blocks[i] = new Block(w.get(b + "norm1.weight", d), w.get(b + "norm1.bias", d),
                    w.get(b + "attn.qkv.weight", 3L * d, d), w.get(b + "attn.qkv.bias", 3L * d),
                    w.get(b + "attn.proj.weight", d, d), w.get(b + "attn.proj.bias", d),
                    w.get(b + "norm2.weight", d), w.get(b + "norm2.bias", d),
                    w.get(b + "mlp.fc1.weight", mlp, d), w.get(b + "mlp.fc1.bias", mlp),
                    w.get(b + "mlp.fc2.weight", d, mlp), w.get(b + "mlp.fc2.bias", d));
        }
    }

    /** Image embeddings [B, width] of pixels [B, 3, S, S]; call inside a PointerScope. */
    Tensor encode(Tensor pixels) {
        long b = pixels.size(0);
        Tensor x = torch.conv2d(pixels, patchW, new TensorOptional(patchB), new long[] {patch, patch}, new long[] {0, 0}, new long[] {1, 1}, 1);
        x = x.flatten(2, 3).transpose(1, 2).add(pos);                // [B, N, D]
        long n = x.size(1), hd = width / heads;
        for (Block blk : blocks) {
            Tensor qkv = torch.linear(layerNorm(x, blk.n1W(), blk.n1B()), blk.qkvW(), new TensorOptional(blk.qkvB()))
                    .view(b, n, 3, heads, hd).permute(2, 0, 3, 1, 4);  // [3, B, H, N, hd]
            Tensor att = attention(qkv.select(0, 0), qkv.select(0, 1), qkv.select(0, 2), b, n);
            x = x.add(torch.linear(att, blk.projW(), new TensorOptional(blk.projB())));
            x = x.add_(mlp(layerNorm(x, blk.n2W(), blk.n2B()), blk.fc1W(), blk.fc1B(), blk.fc2W(), blk.fc2B()));
        }
        x = layerNorm(x, normW, normB);
        // MAP head: the latent query's attention over all tokens, projected, plus an MLP on its LayerNorm
        Tensor q = torch.linear(latent.expand(b, 1, width), qW, new TensorOptional(qB)).view(b, 1, heads, hd).transpose(1, 2);
        Tensor kv = torch.linear(x, kvW, new TensorOptional(kvB)).view(b, n, 2, heads, hd).permute(2, 0, 3, 1, 4);
        Tensor pooled = torch.linear(attention(q, kv.select(0, 0), kv.select(0, 1), b, 1), poolProjW, new TensorOptional(poolProjB));
        pooled = pooled.add(mlp(layerNorm(pooled, poolNormW, poolNormB), poolFc1W, poolFc1B, poolFc2W, poolFc2B));
        return pooled.select(1, 0);
    }

    private Tensor attention(Tensor q, Tensor k, Tensor v, long b, long len) {
        Tensor a = torch.scaled_dot_product_attention(q, k, v, new TensorOptional(), 0.0, false, new DoubleOptional(), false);
        return a.transpose(1, 2).reshape(b, len, width);
    }

    private Tensor mlp(Tensor x, Tensor fc1W, Tensor fc1B, Tensor fc2W, Tensor fc2B) {
        Tensor h = torch.linear(x, fc1W, new TensorOptional(fc1B));
        h = act == ClipConfig.Activation.GELU_TANH ? torch.gelu(h, "tanh") : torch.gelu(h);
        return torch.linear(h, fc2W, new TensorOptional(fc2B));
    }

    private static Tensor layerNorm(Tensor x, Tensor w, Tensor b) {
        return torch.layer_norm(x, new long[] {x.size(-1)}, new TensorOptional(w), new TensorOptional(b), EPS, false);
    }
}
