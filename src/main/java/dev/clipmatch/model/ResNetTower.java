package dev.clipmatch.model;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * CLIP's ModifiedResNet image tower (OpenAI's RN50/RN101/RN50x*, open_clip's RN* configs): a stem of three 3x3
 * convolutions and a 2x2 average pool, four stages of bottleneck blocks whose strided steps average-pool before the
 * 1x1 expansion (anti-aliased), and an attention pool: the mean token plus positional embeddings, one multi-head
 * attention query from that mean token over all tokens, then the output projection. BatchNorm in inference mode
 * (running statistics, eps 1e-5).
 */
final class ResNetTower {
    private record Norm(Tensor weight, Tensor bias, Tensor mean, Tensor var) {}

    private record Bottleneck(Tensor conv1, Norm bn1, Tensor conv2, Norm bn2, Tensor conv3, Norm bn3, int stride, Tensor downConv, Norm downBn) {}

    private final Tensor conv1, conv2, conv3;
    private final Norm bn1, bn2, bn3;
    private final Bottleneck[] blocks;
    private final Tensor pos, qW, qB, kW, kB, vW, vB, cW, cB;
    private final int heads;

    ResNetTower(StateDict w, int[] layers, int heads) {
        // LibTorch would try NNPACK for these convolutions and print a warning on CPUs it does not support
        torch.globalContext().setUserEnabledNNPACK(false);
        this.heads = heads;
        conv1 = w.get("visual.conv1.weight");
        conv2 = w.get("visual.conv2.weight");
        conv3 = w.get("visual.conv3.weight");
        bn1 = norm(w, "visual.bn1");
        bn2 = norm(w, "visual.bn2");
        bn3 = norm(w, "visual.bn3");
        int count = 0;
        for (int n : layers) count += n;
        blocks = new Bottleneck[count];
        int b = 0;
        for (int stage = 0; stage < 4; stage++) {
            for (int i = 0; i < layers[stage]; i++) {
                String p = "visual.layer" + (stage + 1) + "." + i + ".";
                boolean down = w.has(p + "downsample.0.weight");
                blocks[b++] = new Bottleneck(w.get(p + "conv1.weight"), norm(w, p + "bn1"), w.get(p + "conv2.weight"), norm(w, p + "bn2"),
                        w.get(p + "conv3.weight"), norm(w, p + "bn3"), stage > 0 && i == 0 ? 2 : 1,
                        down ? w.get(p + "downsample.0.weight") : null, down ? norm(w, p + "downsample.1") : null);
            }
        }
        pos = w.get("visual.attnpool.positional_embedding");
        qW = w.get("visual.attnpool.q_proj.weight");
        qB = w.get("visual.attnpool.q_proj.bias");
        kW = w.get("visual.attnpool.k_proj.weight");
        kB = w.get("visual.attnpool.k_proj.bias");
        vW = w.get("visual.attnpool.v_proj.weight");
        vB = w.get("visual.attnpool.v_proj.bias");
        cW = w.get("visual.attnpool.c_proj.weight");
        cB = w.get("visual.attnpool.c_proj.bias");
    }

    private static Norm norm(StateDict w, String p) {
        return new Norm(w.get(p + ".weight"), w.get(p + ".bias"), w.get(p + ".running_mean"), w.get(p + ".running_var"));
    }

    /** Embeddings [B, output] of pixels [B, 3, S, S]. */
    Tensor encode(Tensor x) {
        x = torch.relu(bn(conv(x, conv1, 2, 1), bn1));
        x = torch.relu(bn(conv(x, conv2, 1, 1), bn2));
        x = torch.relu(bn(conv(x, conv3, 1, 1), bn3));
        x = avgPool(x, 2);
        for (Bottleneck blk : blocks) {
            Tensor out = torch.relu(bn(conv(x, blk.conv1(), 1, 0), blk.bn1()));
            out = torch.relu(bn(conv(out, blk.conv2(), 1, 1), blk.bn2()));
            if (blk.stride() > 1) out = avgPool(out, blk.stride());
            out = bn(conv(out, blk.conv3(), 1, 0), blk.bn3());
            Tensor identity = x;
            if (blk.downConv() != null) identity = bn(conv(blk.stride() > 1 ? avgPool(x, blk.stride()) : x, blk.downConv(), 1, 0), blk.downBn());
            x = torch.relu(out.add_(identity));
        }
        return attentionPool(x);
    }

    private Tensor attentionPool(Tensor x) {
        long b = x.size(0), c = x.size(1);
        x = x.flatten(2, 3).transpose(1, 2);                                                  // [B, HW, C]
        x = torch.cat(new TensorVector(x.mean(new long[] {1}).unsqueeze(1), x), 1).add_(pos);       // [B, HW+1, C]
        long l = x.size(1), hd = c / heads;
        Tensor q = torch.linear(x.narrow(1, 0, 1), qW, new TensorOptional(qB)).view(b, 1, heads, hd).transpose(1, 2);
        Tensor k = torch.linear(x, kW, new TensorOptional(kB)).view(b, l, heads, hd).transpose(1, 2);
        Tensor v = torch.linear(x, vW, new TensorOptional(vB)).view(b, l, heads, hd).transpose(1, 2);
        Tensor a = torch.scaled_dot_product_attention(q, k, v, new TensorOptional(), 0.0, false, new DoubleOptional(), false); // [B, H, 1, hd]
        a = a.transpose(1, 2).reshape(b, c);
        return torch.linear(a, cW, new TensorOptional(cB));
    }

    private static Tensor conv(Tensor x, Tensor weight, long stride, long padding) {
        return torch.conv2d(x, weight, new TensorOptional(), new long[] {stride, stride}, new long[] {padding, padding}, new long[] {1, 1}, 1);
    }

    private static Tensor bn(Tensor x, Norm n) {
        return torch.batch_norm(x, new TensorOptional(n.weight()), new TensorOptional(n.bias()), new TensorOptional(n.mean()),
                new TensorOptional(n.var()), false, 0.1, 1e-5, false);
    }

    private static Tensor avgPool(Tensor x, long k) {
        return torch.avg_pool2d(x, new long[] {k, k}, new long[] {k, k}, new long[] {0, 0}, false, true, new LongOptional());
    }
}
