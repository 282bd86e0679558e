package dev.clipmatch.model;

import dev.clipmatch.CheckpointException;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * open_clip's ConvNeXt image tower, built by timm (open_clip's TimmModel around timm 1.0's ConvNeXt): a patch stem
 * (strided convolution + LayerNorm2d), four stages (a LayerNorm2d + 2x2 strided convolution between stages; blocks of
 * depthwise 7x7 convolution, channels-last LayerNorm, Linear - GELU - Linear MLP, layer scale gamma, residual), the
 * head (global pool, LayerNorm2d, timm's classifier when it serves as the projection), then open_clip's projection
 * (Linear, or Mlp: Linear - GELU - Linear). Widths and depths are read off the weights; what they cannot tell (the
 * norm eps of the timm model, the pool, the projection kind) comes from the config ({@link Spec}).
 */
final class ConvNextTower {
    /** open_clip's timm_pool: timm's global pools that keep the channel count ("" = the model's default, avg). */
    enum Pool { AVG, MAX, AVG_MAX }

    /** open_clip's timm_proj: Linear (bias per timm_proj_bias), Mlp, none, or "" (timm's own classifier, with bias). */
    enum Projection { LINEAR, MLP, NONE, TRUNK_FC }

    /** What the weights cannot tell: the timm model name (for the record), its LayerNorm eps, pool, projection, input size. */
    record Spec(String timmModel, double eps, Pool pool, Projection projection, boolean projectionBias, int imageSize) {}

    /**
     * The timm models with the standard ConvNeXt layout (patch-4 stem, 7x7 depthwise, channels-last MLP, pool
     * before the head norm, layer scale) and their LayerNorm eps, as timm 1.0.29's convnext.py builds them. Others
     * (atto..nano with 1x1-convolution MLPs, _hnf, _mlp heads, ConvNeXt-V2's GRN) compute something else: refused.
     */
    static final Map<String, Double> TIMM_MODELS = Map.of("convnext_tiny", 1e-6, "convnext_small", 1e-6, "convnext_base", 1e-6,
            "convnext_large", 1e-6, "convnext_xlarge", 1e-6, "convnext_xxlarge", 1e-5);

    private record Block(Tensor dwW, Tensor dwB, Tensor normW, Tensor normB, Tensor fc1W, Tensor fc1B, Tensor fc2W, Tensor fc2B, Tensor gamma) {}

    private record Stage(Tensor downNormW, Tensor downNormB, Tensor downW, Tensor downB, Block[] blocks) {}

    private final Spec spec;
    private final Tensor stemW, stemB, stemNormW, stemNormB, headNormW, headNormB;
    private final Stage[] stages;
    private final Tensor fcW, fcB, projW, projB, mlp1W, mlp1B, mlp2W, mlp2B;

    ConvNextTower(StateDict w, Spec spec) {
        torch.globalContext().setUserEnabledNNPACK(false); // as ResNetTower: no NNPACK warnings on unsupported CPUs
        this.spec = spec;
        String t = "visual.trunk.";
        stemW = w.get(t + "stem.0.weight");
        long[] stem = Tensors.shape(stemW);
        if (stem.length != 4 || stem[1] != 3 || stem[2] != stem[3])
            throw new CheckpointException(w.source() + ": tensor '" + t + "stem.0.weight' has shape " + java.util.Arrays.toString(stem) + ", expected [C, 3, p, p]");
        long c = stem[0];
        stemB = w.get(t + "stem.0.bias", c);
        stemNormW = w.get(t + "stem.1.weight", c);
        stemNormB = w.get(t + "stem.1.bias", c);
        int count = w.countBlocks(t + "stages.");
        if (count != 4) throw new CheckpointException(w.source() + ": a ConvNeXt has 4 stages, " + t + "stages.* holds " + count);
        stages = new Stage[4];
        for (int s = 0; s < 4; s++) {
            String p = t + "stages." + s + ".";
            Tensor downNormW = null, downNormB = null, downW = null, downB = null;
            if (w.has(p + "downsample.1.weight")) {
                downNormW = w.get(p + "downsample.0.weight", c);
                downNormB = w.get(p + "downsample.0.bias", c);
                downW = w.get(p + "downsample.1.weight", -1, c, 2, 2);
                c = Tensors.shape(downW)[0];
                downB = w.get(p + "downsample.1.bias", c);
            } else if (s > 0) {
                throw new CheckpointException(w.source() + ": missing tensor '" + p + "downsample.1.weight' (a ConvNeXt stage after the first starts with a downsample)");
            }
            int depth = w.countBlocks(p + "blocks.");
            if (depth == 0) throw new CheckpointException(w.source() + ": missing tensor '" + p + "blocks.0.conv_dw.weight'");
            Block[] blocks = new Block[depth];
            for (int i = 0; i < depth; i++) {
                String b = p + "blocks." + i + ".";
                Tensor fc1 = w.get(b + "mlp.fc1.weight", -1, c);
                long hidden = Tensors.shape(fc1)[0];
                blocks[i] = new Block(w.get(b + "conv_dw.weight", c, 1, 7, 7), w.get(b + "conv_dw.bias", c), w.get(b + "norm.weight", c), w.get(b + "norm.bias", c),
                        fc1, w.get(b + "mlp.fc1.bias", hidden), w.get(b + "mlp.fc2.weight", c, hidden), w.get(b + "mlp.fc2.bias", c),
                        w.get(b + "gamma", c));
            }
            stages[s] = new Stage(downNormW, downNormB, downW, downB, blocks);
        }
        headNormW = w.get(t + "head.norm.weight", c);
        headNormB = w.get(t + "head.norm.bias", c);
        boolean trunkFc = spec.projection() == Projection.TRUNK_FC;
        fcW = trunkFc ? w.get(t + "head.fc.weight", -1, c) : null;
        fcB = trunkFc ? w.get(t + "head.fc.bias", Tensors.shape(fcW)[0]) : null;
        if (!trunkFc && w.has(t + "head.fc.weight"))
            throw new CheckpointException(w.source() + ": the weights hold timm's classifier (" + t + "head.fc) but the config's timm_proj is not \"\" (config and weights do not belong together)");
        String biasKey = spec.projection() == Projection.MLP ? "visual.head.mlp.fc2.bias" : "visual.head.proj.bias";
        if (w.has(biasKey) != spec.projectionBias() && (spec.projection() == Projection.MLP || spec.projection() == Projection.LINEAR))
            throw new CheckpointException(w.source() + ": the config's timm_proj_bias is " + spec.projectionBias() + " but the weights " + (w.has(biasKey) ? "hold " : "lack ")
                    + biasKey + " (config and weights do not belong together)");
        projW = spec.projection() == Projection.LINEAR ? w.get("visual.head.proj.weight", -1, c) : null;
        projB = projW != null && spec.projectionBias() ? w.get("visual.head.proj.bias", Tensors.shape(projW)[0]) : null;
        boolean mlp = spec.projection() == Projection.MLP;
        mlp1W = mlp ? w.get("visual.head.mlp.fc1.weight", -1, c) : null;
        mlp1B = mlp ? w.get("visual.head.mlp.fc1.bias", Tensors.shape(mlp1W)[0]) : null;
        mlp2W = mlp ? w.get("visual.head.mlp.fc2.weight", -1, Tensors.shape(mlp1W)[0]) : null;
        mlp2B = mlp && spec.projectionBias() ? w.get("visual.head.mlp.fc2.bias", Tensors.shape(mlp2W)[0]) : null;
    }

    /** The trunk's feature width (the last stage's channels). */
    static long features(StateDict w) {
        String last = "visual.trunk.stages.3.downsample.1.weight";
        return w.has(last) ? w.shape(last)[0] : w.shape("visual.trunk.stem.0.weight")[0];
    }

    /** The embedding width the head produces (projection output, or the features when there is none). */
    static int embedDim(StateDict w, Spec spec) {
        Projection held = w.has("visual.head.proj.weight") ? Projection.LINEAR : w.has("visual.head.mlp.fc1.weight") ? Projection.MLP
                : w.has("visual.trunk.head.fc.weight") ? Projection.TRUNK_FC : Projection.NONE;
        if (held != spec.projection())
            throw new CheckpointException(w.source() + ": the config's timm_proj says " + name(spec.projection()) + " but the weights hold " + name(held)
                    + " (config and weights do not belong together)");
        return (int) switch (spec.projection()) {
            case LINEAR -> w.shape("visual.head.proj.weight")[0];
            case MLP -> w.shape("visual.head.mlp.fc2.weight")[0];
            case TRUNK_FC -> w.shape("visual.trunk.head.fc.weight")[0];
            case NONE -> features(w);
        };
    }

    private static String name(Projection p) {
        return switch (p) {
            case LINEAR -> "a Linear projection (visual.head.proj)";
            case MLP -> "an Mlp projection (visual.head.mlp)";
            case TRUNK_FC -> "timm's classifier as the projection (visual.trunk.head.fc)";
            case NONE -> "no projection";
        };
    }

    /** Embeddings [B, embed] of pixels [B, 3, S, S]. */
    Tensor encode(Tensor x) {
        long p = stemW.size(2);
        x = norm2d(conv(x, stemW, stemB, p, 0, 1), stemNormW, stemNormB);
        for (Stage s : stages) {
            if (s.downW() != null) x = conv(norm2d(x, s.downNormW(), s.downNormB()), s.downW(), s.downB(), 2, 0, 1);
            for (Block b : s.blocks()) {
                Tensor y = conv(x, b.dwW(), b.dwB(), 1, 3, x.size(1)).permute(0, 2, 3, 1); // channels last
                y = layerNorm(y, b.normW(), b.normB());
                y = torch.linear(torch.gelu(torch.linear(y, b.fc1W(), new TensorOptional(b.fc1B()))), b.fc2W(), new TensorOptional(b.fc2B()));
                x = y.mul_(b.gamma()).permute(0, 3, 1, 2).add_(x);
            }
        }
        long[] hw = {2, 3};
        x = switch (spec.pool()) {
            case AVG -> x.mean(hw);
            case MAX -> x.amax(hw, false);
            case AVG_MAX -> x.mean(hw).add_(x.amax(hw, false)).mul_(new org.bytedeco.pytorch.Scalar(0.5f));
        };
        x = layerNorm(x, headNormW, headNormB);
        return switch (spec.projection()) {
            case TRUNK_FC -> torch.linear(x, fcW, new TensorOptional(fcB));
            case LINEAR -> torch.linear(x, projW, projB == null ? new TensorOptional() : new TensorOptional(projB));
            case MLP -> torch.linear(torch.gelu(torch.linear(x, mlp1W, new TensorOptional(mlp1B))), mlp2W,
                    mlp2B == null ? new TensorOptional() : new TensorOptional(mlp2B));
            case NONE -> x;
        };
    }

    private Tensor layerNorm(Tensor x, Tensor w, Tensor b) {
        return torch.layer_norm(x, new long[] {x.size(-1)}, new TensorOptional(w), new TensorOptional(b), spec.eps(), false);
    }

    /** timm's LayerNorm2d: LayerNorm over the channels of an NCHW tensor. */
    private Tensor norm2d(Tensor x, Tensor w, Tensor b) {
        return layerNorm(x.permute(0, 2, 3, 1), w, b).permute(0, 3, 1, 2);
    }

    private static Tensor conv(Tensor x, Tensor weight, Tensor bias, long stride, long padding, long groups) {
        return torch.conv2d(x, weight, new TensorOptional(bias), new long[] {stride, stride}, new long[] {padding, padding}, new long[] {1, 1}, groups);
    }
}
