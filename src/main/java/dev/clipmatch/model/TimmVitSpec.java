package dev.clipmatch.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.clipmatch.ClipMatchException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * What a timm SigLIP ViT trunk named by open_clip's vision_cfg.timm_model_name is, beyond its weights' shapes: heads,
 * activation, patch and input size. Data in models/timm/vit_siglip.json, read off timm's own model objects by
 * tools/make_timm_siglip_table.py (which also checks what every listed trunk shares: no class token, MAP pool with
 * one latent query, LayerNorm eps 1e-6, no layer scale).
 */
record TimmVitSpec(String name, int heads, ClipConfig.Activation act, int patch, int imageSize) {
    private static final String RESOURCE = "/models/timm/vit_siglip.json";

    /** The trunk of that name, or null when timm's SigLIP table does not list it. */
    static TimmVitSpec forName(String name) {
        JsonNode m = table().path(name);
        if (m.isMissingNode()) return null;
        if (m.path("eps").asDouble() != TimmVitTower.EPS || m.path("pool_heads").asInt() != m.path("heads").asInt())
            throw new ClipMatchException(RESOURCE + ": " + name + " differs from the trunk TimmVitTower implements");
        ClipConfig.Activation act = switch (m.path("act").asText()) {
            case "gelu" -> ClipConfig.Activation.GELU;
            case "gelu_tanh" -> ClipConfig.Activation.GELU_TANH;
            default -> throw new ClipMatchException(RESOURCE + ": " + name + " has an unknown act " + m.get("act"));
        };
        return new TimmVitSpec(name, m.path("heads").asInt(), act, m.path("patch").asInt(), m.path("image_size").asInt());
    }

    static List<String> names() {
        List<String> out = new ArrayList<>();
        table().fieldNames().forEachRemaining(out::add);
        return out;
    }

    private static JsonNode table() {
        try (InputStream in = TimmVitSpec.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new ClipMatchException("missing resource " + RESOURCE);
            return new ObjectMapper().readTree(in).path("models");
        } catch (IOException e) {
            throw new ClipMatchException("cannot read " + RESOURCE + ": " + e.getMessage(), e);
        }
    }
}
