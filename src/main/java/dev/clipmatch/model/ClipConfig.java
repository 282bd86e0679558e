package dev.clipmatch.model;

import dev.clipmatch.CheckpointException;
import dev.clipmatch.UnsupportedFeatureException;
import java.util.Locale;

/**
 * The hyper-parameters of a CLIP ViT model, all read off the weights' shapes (heads: width / 64 as in OpenAI's
 * code, unless a Hugging Face config states them).
 */
public record ClipConfig(
        int embedDim,
        int visionWidth, int visionLayers, int visionHeads, int visionMlp, int patch, int grid,
        int textWidth, int textLayers, int textHeads, int textMlp, int contextLength, int vocabSize,
        Activation visionActivation, Activation textActivation, double layerNormEps) {

    /** The MLP non-linearity: OpenAI's weights use QuickGELU, some open_clip/HF models the exact GELU. */
    public enum Activation {
        QUICK_GELU, GELU;

        public static Activation parse(String name, String where) {
            return switch (name) {
                case "quick_gelu" -> QUICK_GELU;
                case "gelu" -> GELU;
                default -> throw new UnsupportedFeatureException(where + ": unsupported hidden_act '" + name + "' (expected quick_gelu or gelu)");
            };
        }
    }

    public int resolution() {
        return patch * grid;
    }

    /** Infers the shapes from OpenAI-named weights; {@code heads} overrides (vision, text) when positive. */
    public static ClipConfig infer(StateDict w, int visionHeadsOverride, int textHeadsOverride,
                                   Activation visionAct, Activation textAct, double eps) {
        if (w.has("visual.layer1.0.conv1.weight") || w.has("visual.attnpool.positional_embedding"))
            throw new UnsupportedFeatureException(w.source() + ": this is a ResNet-based CLIP model (visual.layer1/attnpool); only ViT models are supported for now");
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
        int tLayers = w.countBlocks("transformer.resblocks.");
        if (vLayers == 0 || tLayers == 0) throw new CheckpointException(w.source() + ": no transformer blocks found");
        int tWidth = (int) w.shape("ln_final.weight")[0];
        long[] tok = w.shape("token_embedding.weight");
        int context = (int) w.shape("positional_embedding")[0];
        int vMlp = (int) w.shape("visual.transformer.resblocks.0.mlp.c_fc.weight")[0];
        int tMlp = (int) w.shape("transformer.resblocks.0.mlp.c_fc.weight")[0];
        int vHeads = visionHeadsOverride > 0 ? visionHeadsOverride : Math.max(1, vWidth / 64);
        int tHeads = textHeadsOverride > 0 ? textHeadsOverride : Math.max(1, tWidth / 64);
        if (vWidth % vHeads != 0 || tWidth % tHeads != 0)
            throw new CheckpointException(w.source() + ": widths " + vWidth + "/" + tWidth + " are not divisible by the head counts " + vHeads + "/" + tHeads);
        return new ClipConfig(embed, vWidth, vLayers, vHeads, vMlp, patch, grid, tWidth, tLayers, tHeads, tMlp, context, (int) tok[0],
                visionAct, textAct, eps);
    }

    /** The sizes written to sidecars (snake_case keys in JSON). */
    public record Description(int embedDim, int imageResolution, int patchSize, int visionWidth, int visionLayers, int visionHeads, int textWidth,
            int textLayers, int textHeads, int contextLength, int vocabSize, String activation) {}

    public Description describe() {
        return new Description(embedDim, resolution(), patch, visionWidth, visionLayers, visionHeads, textWidth, textLayers, textHeads, contextLength,
                vocabSize, visionActivation.name().toLowerCase(Locale.ROOT));
    }
}
