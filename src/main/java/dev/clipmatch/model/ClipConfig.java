package dev.clipmatch.model;

import dev.clipmatch.CheckpointException;
import dev.clipmatch.UnsupportedFeatureException;
import java.util.Locale;

/**
 * The hyper-parameters of a CLIP ViT model: sizes are read off the weights' shapes; what shapes cannot tell
 * (heads, activation, pooling, masking) comes from an {@link ArchSpec} (OpenAI's choices unless a config says
 * otherwise).
 */
public record ClipConfig(
        int embedDim,
        int visionWidth, int visionLayers, int visionHeads, int visionMlp, int patch, int grid,
        int textWidth, int textLayers, int textHeads, int textMlp, int contextLength, int vocabSize,
        Activation visionActivation, Activation textActivation, double layerNormEps,
        boolean lnPre, VisionPool visionPool, boolean visionLnAfterPool, boolean visionLayerScale,
        TextPool textPool, long eosId, boolean causal, boolean textLayerScale, TextProjection textProjection, int[] resnetLayers,
        ConvNextTower.Spec convNext, int attnPoolHeads, boolean textCls, long padId) {

    /** The MLP non-linearity: OpenAI's weights use QuickGELU, some open_clip/HF models the exact GELU, SigLIP 2 GELU's tanh form. */
    public enum Activation {
        QUICK_GELU, GELU, GELU_TANH;

        public static Activation parse(String name, String where) {
            return switch (name) {
                case "quick_gelu" -> QUICK_GELU;
                case "gelu" -> GELU;
                default -> throw new UnsupportedFeatureException(where + ": unsupported hidden_act '" + name + "' (expected quick_gelu or gelu)");
            };
        }
    }

    /** open_clip's vision pool_type: the class token, or the mean of the patch tokens; MAP: a timm SigLIP trunk's attention pool. */
    public enum VisionPool { TOK, AVG, MAP }

    /** open_clip's text pool_type: the highest id (OpenAI's end token), the first or last position, or the first eos_id. */
    public enum TextPool { ARGMAX, FIRST, LAST, EOS }

    /** The text projection: a matrix [width, embed] (OpenAI), a Linear layer with bias, or none (embed = width). */
    public enum TextProjection { MATRIX, LINEAR_BIAS, NONE }

    /**
     * What the weights' shapes cannot tell. Null heads: OpenAI's width / 64. {@code convNext}: a timm ConvNeXt image
     * tower (null: ViT or ResNet); {@code attnPoolHeads}: the ViT's attentional pooler's heads (0: none), with
     * {@code attnPoolQueries} queries (checked against the weights);
     * {@code padId}: the padding id a text class token's attention mask hides (CoCa).
     */
    public record ArchSpec(Integer visionHeads, Integer textHeads, Activation visionAct, Activation textAct, double eps,
                           VisionPool visionPool, boolean visionLnAfterPool, TextPool textPool, long eosId, boolean causal,
                           ConvNextTower.Spec convNext, int attnPoolHeads, int attnPoolQueries, long padId) {
        /** OpenAI's CLIP: QuickGELU, heads = width / 64, class token, causal text pooled at the end token. */
        public static ArchSpec openAi() {
            return new ArchSpec(null, null, Activation.QUICK_GELU, Activation.QUICK_GELU, 1e-5, VisionPool.TOK, false, TextPool.ARGMAX, 0, true, null, 0, 0, 0);
        }

        public ArchSpec withHeads(Integer vision, Integer text, Activation vAct, Activation tAct, double layerNormEps) {
            return new ArchSpec(vision, text, vAct, tAct, layerNormEps, visionPool, visionLnAfterPool, textPool, eosId, causal, convNext, attnPoolHeads, attnPoolQueries, padId);
        }
    }

    public int resolution() {
        return patch * grid;
    }

    /** Every setting as text (a stable key: two configs compute the same function only if these are equal). */
    public String fingerprint() {
        return toString().replaceAll("resnetLayers=\\[I@[0-9a-f]+", "resnetLayers=" + java.util.Arrays.toString(resnetLayers));
    }

    /** A ModifiedResNet image tower (blocks per stage in {@link #resnetLayers}) rather than a ViT. */
    public boolean resnet() {
        return resnetLayers != null;
    }

    /** Reads the sizes off OpenAI-named weights and takes the rest from {@code arch}. */
    public static ClipConfig infer(StateDict w, ArchSpec arch) {
        if (w.has(TimmVitTower.PATCH_WEIGHT)) return inferTimmVit(w, arch);
        if (w.has("visual.trunk.stem.0.weight") && arch.convNext() != null) return inferConvNext(w, arch);
        if (w.keysStartingWith("visual.trunk."))
            throw new UnsupportedFeatureException(w.source() + ": this CLIP model has a timm vision tower (visual.trunk) "
                    + (w.has("visual.trunk.stem.0.weight") ? "(a ConvNeXt: it needs the open_clip config that names its timm_model_name)" : "of a kind clipmatch does not run"));
        if (w.has("visual.attn_pool.query") && arch.attnPoolHeads() == 0)
            throw new UnsupportedFeatureException(w.source() + ": the vision tower uses attentional pooling (visual.attn_pool): it needs the open_clip config that says attentional_pool");
        if (w.has("visual.layer1.0.conv1.weight") || w.has("visual.attnpool.positional_embedding")) return inferResNet(w, arch);
        if (!w.has("visual.conv1.weight"))
            throw new CheckpointException(w.source() + ": no CLIP ViT vision tower (missing visual.conv1.weight)");
        long[] conv = w.shape("visual.conv1.weight");
        if (conv.length != 4 || conv[1] != 3 || conv[2] != conv[3])
            throw new CheckpointException(w.source() + ": visual.conv1.weight has an unexpected shape " + java.util.Arrays.toString(conv));
        int vWidth = (int) conv[0];
        int patch = (int) conv[3];
        long posRows = w.shape("visual.positional_embedding")[0];
        int grid = (int) Math.round(Math.sqrt(posRows - 1));
        if ((long) grid * grid + 1 != posRows)
            throw new CheckpointException(w.source() + ": visual.positional_embedding has " + posRows + " rows, not a square grid plus the class token");
        int embed = (int) w.shape("visual.proj")[1];
        int vLayers = w.countBlocks("visual.transformer.resblocks.");
        int vMlp = (int) w.shape("visual.transformer.resblocks.0.mlp.c_fc.weight")[0];
        int vHeads = arch.visionHeads() != null ? arch.visionHeads() : Math.max(1, vWidth / 64);
        if (vHeads < 1 || vWidth % vHeads != 0)
            throw new CheckpointException(w.source() + ": the vision width " + vWidth + " is not divisible by the head count " + vHeads);
        return withText(w, arch, embed, vWidth, vLayers, vHeads, vMlp, patch, grid, w.has("visual.ln_pre.weight"),
                w.has("visual.transformer.resblocks.0.ls_1.gamma"), null, w.has("visual.attn_pool.query") ? arch.attnPoolHeads() : 0);
    }

    /** A timm ConvNeXt: width = the last stage's channels, layers = all blocks, input size from the config (fully convolutional). */
    private static ClipConfig inferConvNext(StateDict w, ArchSpec arch) {
        int size = arch.convNext().imageSize();
        int blocks = 0;
        for (int s = 0; s < 4; s++) blocks += w.countBlocks("visual.trunk.stages." + s + ".blocks.");
        return withText(w, arch, ConvNextTower.embedDim(w, arch.convNext()), (int) ConvNextTower.features(w), blocks, 0, 0, 32, size / 32, false, true, null, 0);
    }

    /** A timm SigLIP ViT trunk (visual.trunk.*): no class token, no ln_pre, MAP pooling, no projection (embed = width). */
    private static ClipConfig inferTimmVit(StateDict w, ArchSpec arch) {
        if (arch.visionPool() != VisionPool.MAP)
            throw new UnsupportedFeatureException(w.source() + ": a timm ViT image tower (visual.trunk) needs its open_clip config (vision_cfg.timm_model_name) for its heads and activation",
                    dev.clipmatch.ClipMatchException.Remedy.ARCHITECTURE);
        for (String k : new String[] {"visual.trunk.attn_pool.latent", "visual.trunk.pos_embed", "visual.trunk.norm.weight"}) {
            if (!w.has(k)) throw new CheckpointException(w.source() + ": the timm ViT image tower lacks " + k + " (only SigLIP's MAP-pooled trunk is supported)");
        }
        for (String k : new String[] {"visual.trunk.cls_token", "visual.trunk.reg_token", "visual.trunk.blocks.0.ls1.gamma", "visual.trunk.fc_norm.weight", "visual.head.proj.weight"}) {
            if (w.has(k)) throw new UnsupportedFeatureException(w.source() + ": the timm ViT image tower has " + k + ", which SigLIP's trunk has not (not supported)");
        }
        long[] conv = w.shape(TimmVitTower.PATCH_WEIGHT);
        if (conv.length != 4 || conv[1] != 3 || conv[2] != conv[3])
            throw new CheckpointException(w.source() + ": " + TimmVitTower.PATCH_WEIGHT + " has an unexpected shape " + java.util.Arrays.toString(conv));
        int width = (int) conv[0], patch = (int) conv[3];
        long tokens = w.shape("visual.trunk.pos_embed")[1];
        int grid = (int) Math.round(Math.sqrt(tokens));
        if ((long) grid * grid != tokens)
            throw new CheckpointException(w.source() + ": visual.trunk.pos_embed has " + tokens + " rows, not a square grid");
        int layers = w.countBlocks("visual.trunk.blocks.");
        int mlp = (int) w.shape("visual.trunk.blocks.0.mlp.fc1.weight")[0];
        int heads = arch.visionHeads();
        if (heads < 1 || width % heads != 0)
            throw new CheckpointException(w.source() + ": the vision width " + width + " is not divisible by the head count " + heads);
        return withText(w, arch, width, width, layers, heads, mlp, patch, grid, false, false, null, 0);
    }

    /** ModifiedResNet: width = layer1's planes, heads = width * 32 / 64 unless stated, input = 32 x the attention pool's grid. */
    private static ClipConfig inferResNet(StateDict w, ArchSpec arch) {
        int[] layers = new int[4];
        for (int s = 0; s < 4; s++) layers[s] = w.countBlocks("visual.layer" + (s + 1) + ".");
        int width = (int) w.shape("visual.layer1.0.conv1.weight")[0];
        long posRows = w.shape("visual.attnpool.positional_embedding")[0];
        int grid = (int) Math.round(Math.sqrt(posRows - 1));
        if ((long) grid * grid + 1 != posRows)
            throw new CheckpointException(w.source() + ": visual.attnpool.positional_embedding has " + posRows + " rows, not a square grid plus the mean token");
        int embed = (int) w.shape("visual.attnpool.c_proj.weight")[0];
        int heads = arch.visionHeads() != null ? arch.visionHeads() : Math.max(1, width * 32 / 64);
        if (heads < 1 || width * 32 % heads != 0)
            throw new CheckpointException(w.source() + ": the ResNet feature width " + width * 32 + " is not divisible by the head count " + heads);
        int blocks = layers[0] + layers[1] + layers[2] + layers[3];
        return withText(w, arch, embed, width, blocks, heads, 0, 32, grid, false, false, layers, 0);
    }

    private static ClipConfig withText(StateDict w, ArchSpec arch, int embed, int vWidth, int vLayers, int vHeads, int vMlp, int patch, int grid,
                                       boolean lnPre, boolean visionLayerScale, int[] resnetLayers, int attnPoolHeads) {
        int tLayers = w.countBlocks("transformer.resblocks.");
        if (vLayers == 0 || tLayers == 0) throw new CheckpointException(w.source() + ": no transformer blocks found");
        int tWidth = (int) w.shape("ln_final.weight")[0];
        long[] tok = w.shape("token_embedding.weight");
        boolean cls = w.has("cls_emb"); // CoCa's class token, appended after the context's tokens at the last position
        if (cls) w.get("cls_emb", tWidth);
        int context = (int) w.shape("positional_embedding")[0] - (cls ? 1 : 0);
        int tMlp = (int) w.shape("transformer.resblocks.0.mlp.c_fc.weight")[0];
        int tHeads = arch.textHeads() != null ? arch.textHeads() : Math.max(1, tWidth / 64);
        if (tHeads < 1 || tWidth % tHeads != 0)
            throw new CheckpointException(w.source() + ": the text width " + tWidth + " is not divisible by the head count " + tHeads);
        TextProjection proj = w.has("text_projection.weight") ? TextProjection.LINEAR_BIAS
                : w.has("text_projection") ? TextProjection.MATRIX : TextProjection.NONE;
        if (proj == TextProjection.NONE && tWidth != embed)
            throw new CheckpointException(w.source() + ": missing tensor 'text_projection' (the text width " + tWidth + " is not the embedding size " + embed + ")");
        return new ClipConfig(embed, vWidth, vLayers, vHeads, vMlp, patch, grid, tWidth, tLayers, tHeads, tMlp, context, (int) tok[0],
                arch.visionAct(), arch.textAct(), arch.eps(), lnPre, arch.visionPool(), arch.visionLnAfterPool(), visionLayerScale,
                arch.textPool(), arch.eosId(), arch.causal(), w.has("transformer.resblocks.0.ls_1.gamma"), proj, resnetLayers,
                arch.convNext(), attnPoolHeads, cls, arch.padId());
    }

    /** The sizes written to sidecars (snake_case keys in JSON). */
    public record Description(int embedDim, int imageResolution, int patchSize, int visionWidth, int visionLayers, int visionHeads, int textWidth,
            int textLayers, int textHeads, int contextLength, int vocabSize, String activation) {}

    public Description describe() {
        return new Description(embedDim, resolution(), patch, visionWidth, visionLayers, visionHeads, textWidth, textLayers, textHeads, contextLength,
                vocabSize, visionActivation.name().toLowerCase(Locale.ROOT));
    }
}
