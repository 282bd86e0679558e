package dev.clipmatch.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * Renames a Hugging Face {@code CLIPModel} state dict to OpenAI's key names: q/k/v projections are packed back
 * into {@code in_proj}, the projection matrices transposed, and {@code pre_layrnorm} (HF's spelling) mapped to
 * {@code ln_pre}.
 */
final class HfLayout {
    static final String MARKER = "vision_model.embeddings.patch_embedding.weight";

    private HfLayout() {}

    static boolean matches(Map<String, Tensor> t) {
        return t.containsKey(MARKER);
    }

    static Map<String, Tensor> toOpenAi(StateDict hf) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        blocks(hf, "vision_model.", "visual.transformer.resblocks.", out);
        blocks(hf, "text_model.", "transformer.resblocks.", out);
        out.put("visual.conv1.weight", hf.get(MARKER));
        out.put("visual.class_embedding", hf.get("vision_model.embeddings.class_embedding"));
        out.put("visual.positional_embedding", hf.get("vision_model.embeddings.position_embedding.weight"));
        pair(hf, "vision_model.pre_layrnorm", "visual.ln_pre", out);
        pair(hf, "vision_model.post_layernorm", "visual.ln_post", out);
        out.put("visual.proj", hf.get("visual_projection.weight").t().contiguous());
        out.put("token_embedding.weight", hf.get("text_model.embeddings.token_embedding.weight"));
        out.put("positional_embedding", hf.get("text_model.embeddings.position_embedding.weight"));
        pair(hf, "text_model.final_layer_norm", "ln_final", out);
        out.put("text_projection", hf.get("text_projection.weight").t().contiguous());
        if (hf.has("logit_scale")) out.put("logit_scale", hf.get("logit_scale"));
        return out;
    }

    private static void blocks(StateDict hf, String tower, String dst, Map<String, Tensor> out) {
        int n = hf.countBlocks(tower + "encoder.layers.");
        for (int i = 0; i < n; i++) {
            String s = tower + "encoder.layers." + i + ".", d = dst + i + ".";
            out.put(d + "attn.in_proj_weight", cat(hf, s + "self_attn.", "weight"));
            out.put(d + "attn.in_proj_bias", cat(hf, s + "self_attn.", "bias"));
            pair(hf, s + "self_attn.out_proj", d + "attn.out_proj", out);
            pair(hf, s + "layer_norm1", d + "ln_1", out);
            pair(hf, s + "layer_norm2", d + "ln_2", out);
            pair(hf, s + "mlp.fc1", d + "mlp.c_fc", out);
            pair(hf, s + "mlp.fc2", d + "mlp.c_proj", out);
        }
    }

    private static Tensor cat(StateDict hf, String prefix, String kind) {
        TensorVector parts = new TensorVector(hf.get(prefix + "q_proj." + kind), hf.get(prefix + "k_proj." + kind), hf.get(prefix + "v_proj." + kind));
        return torch.cat(parts, 0);
    }

    /** Copies a {weight, bias} pair under a new prefix. */
    private static void pair(StateDict hf, String src, String dst, Map<String, Tensor> out) {
        out.put(dst + ".weight", hf.get(src + ".weight"));
        out.put(dst + ".bias", hf.get(src + ".bias"));
    }
}
