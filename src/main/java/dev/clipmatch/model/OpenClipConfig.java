package dev.clipmatch.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.clipmatch.CheckpointException;
import dev.clipmatch.ClipMatchException;
import dev.clipmatch.UnsupportedFeatureException;
import dev.clipmatch.image.PreprocessConfig;
import dev.clipmatch.tokenizer.HfTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * open_clip's model config ({@code model_cfg}: the fields of its CLIP, CLIPVisionCfg and CLIPTextCfg) and
 * preprocessing ({@code preprocess_cfg}), read strictly: every field is either honoured, checked against the
 * weights, known not to change inference, or refused with one line naming it. Unknown fields are refused too
 * (a whitelist), so a config written by a newer open_clip cannot be run silently wrong. Defaults are open_clip's
 * (3.3.0): e.g. a text tower without {@code heads} has 8 heads, whatever its width.
 *
 * @param source the file (or named architecture) the config came from, for messages
 * @param arch what the weights' shapes cannot tell
 * @param expected sizes the config implies, checked against the weights' shapes (see {@link #check})
 * @param preprocess open_clip's inference preprocessing for this config (size = the vision tower's image size)
 * @param hfTokenizer the Hugging Face tokenizer settings (text_cfg.hf_tokenizer_name, tokenizer_kwargs), null for OpenAI's BPE
 */
public record OpenClipConfig(String source, ClipConfig.ArchSpec arch, Map<String, Object> expected, PreprocessConfig preprocess,
                             HfTokenizer.Settings hfTokenizer) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RESOURCES = "/models/open_clip/";
    private static final float[] OPENAI_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    private static final float[] OPENAI_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    /** Fields whose value never changes what inference computes (training-only, or read only by refused features). */
    private static final Set<String> VISION_INERT = Set.of("patch_dropout", "output_tokens", "attn_pooler_queries", "attn_pooler_heads",
            "timm_model_pretrained", "timm_pool", "timm_proj", "timm_proj_bias", "timm_drop", "timm_drop_path");
    /** With timm_model_name, open_clip hands timm only the timm_* fields and image_size: the ViT/ResNet fields are inert. */
    private static final Set<String> VISION_NOT_FOR_TIMM = Set.of("layers", "width", "head_width", "patch_size", "mlp_ratio", "ls_init_value",
            "attentional_pool", "no_ln_pre", "pos_embed_type", "final_ln_after_pool", "pool_type", "act_kwargs", "norm_kwargs", "block_type",
            "qk_norm", "scaled_cosine_attn", "scale_heads", "scale_attn_inner", "scale_attn", "scale_fc");
    private static final Set<String> TEXT_INERT = Set.of("output_tokens", "hf_model_pretrained", "hf_proj_type", "hf_pooler_type",
            // open_clip 3.3.0 declares it but its text tower never reads it (checked by the oracle fixtures)
            "final_ln_after_pool");
    private static final List<String> CUSTOM_BLOCK = List.of("qk_norm", "scaled_cosine_attn", "scale_heads", "scale_attn_inner", "scale_attn", "scale_fc");

    /** {@code open_clip_config.json} ({model_cfg, preprocess_cfg}) or a bare model config as in open_clip's model_configs/. */
    public static OpenClipConfig read(Path file) {
        return parse(readTree(file), file.toString());
    }

    private static JsonNode readTree(Path file) {
        try {
            return JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new CheckpointException(file + ": malformed JSON (" + e.getOriginalMessage() + ", line " + e.getLocation().getLineNr() + ")");
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** An architecture by open_clip's model name (models/open_clip/NAME.json), or a path to a config file. */
    public static OpenClipConfig forArch(String nameOrFile) {
        return parse(archJson(nameOrFile), isConfigFile(nameOrFile) ? nameOrFile : "open_clip architecture " + nameOrFile);
    }

    /** The JSON that {@link #forArch} parses: the config file's, or the shipped models/open_clip/NAME.json. */
    public static JsonNode archJson(String nameOrFile) {
        if (isConfigFile(nameOrFile)) return readTree(Path.of(nameOrFile));
        if (!nameOrFile.matches("[A-Za-z0-9._+-]+"))
            throw new UnsupportedFeatureException("unknown open_clip architecture \"" + nameOrFile + "\" (a name such as ViT-B-32 or a .json config file)");
        try (InputStream in = OpenClipConfig.class.getResourceAsStream(RESOURCES + nameOrFile + ".json")) {
            if (in == null)
                throw new UnsupportedFeatureException("unknown open_clip architecture \"" + nameOrFile + "\" (known: " + String.join(", ", archNames()) + ")");
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new ClipMatchException("cannot read the open_clip architecture " + nameOrFile + ": " + e.getMessage(), e);
        }
    }

    private static boolean isConfigFile(String nameOrFile) {
        return nameOrFile.endsWith(".json") && Files.isRegularFile(Path.of(nameOrFile));
    }

    /** The architecture names shipped in models/open_clip (its index.json). */
    public static List<String> archNames() {
        try (InputStream in = OpenClipConfig.class.getResourceAsStream(RESOURCES + "index.json")) {
            if (in == null) return List.of();
            List<String> out = new ArrayList<>();
            JSON.readTree(in).path("models").forEach(n -> out.add(n.asText()));
            return out;
        } catch (IOException e) {
            return List.of();
        }
    }

    static OpenClipConfig parse(JsonNode root, String source) {
        if (!root.isObject()) throw new CheckpointException(source + ": expected a JSON object");
        JsonNode modelCfg = root, preprocessCfg = null;
        if (root.has("model_cfg")) {
            new Fields(source, "", (ObjectNode) root).allow("model_cfg", "preprocess_cfg").done();
            modelCfg = object(source, "model_cfg", root.get("model_cfg"));
            preprocessCfg = root.has("preprocess_cfg") ? object(source, "preprocess_cfg", root.get("preprocess_cfg")) : null;
        }
        return new Parser(source).parse((ObjectNode) modelCfg, preprocessCfg == null ? null : (ObjectNode) preprocessCfg);
    }

    /**
     * Fails when the config describes another kind of image tower (ResNet, ViT or ConvNeXt) than the weights hold,
     * or another number of attentional-pooler queries.
     */
    public void checkTowerKind(StateDict w) {
        boolean configTimm = arch.visionPool() == ClipConfig.VisionPool.MAP, weightsTimm = w.has(TimmVitTower.PATCH_WEIGHT);
        if (configTimm != weightsTimm)
            throw new CheckpointException(source + ": vision_cfg " + (configTimm ? "names a timm trunk (timm_model_name)" : "describes an open_clip tower") + " but "
                    + w.source() + (weightsTimm ? " holds a timm trunk (visual.trunk)" : " has no timm trunk (" + TimmVitTower.PATCH_WEIGHT + ")")
                    + " (config and weights do not belong together)");
        if (configTimm) return;
        String config = arch.convNext() != null ? "ConvNeXt" : expected.get("vision_cfg.layers") instanceof String ? "ResNet" : "ViT";
        String weights = w.has("visual.trunk.stem.0.weight") ? "ConvNeXt" : w.has("visual.layer1.0.conv1.weight") ? "ResNet" : "ViT";
        String field = config.equals("ConvNeXt") || weights.equals("ConvNeXt") ? "timm_model_name" : "layers";
        if (!config.equals(weights))
            throw new CheckpointException(source + ": vision_cfg." + field + " describes a " + config + " image tower but "
                    + w.source() + " holds a " + weights + " (config and weights do not belong together)");
        if (arch.attnPoolHeads() > 0 && w.has("visual.attn_pool.query") && w.shape("visual.attn_pool.query")[0] != arch.attnPoolQueries())
            throw new CheckpointException(source + ": vision_cfg.attn_pooler_queries is " + arch.attnPoolQueries() + " in the config but "
                    + w.shape("visual.attn_pool.query")[0] + " in the weights of " + w.source() + " (config and weights do not belong together)");
    }

    /** Fails when the weights disagree with a size the config states. */
    public void check(ClipConfig c, String weights) {
        Map<String, Object> actual = new LinkedHashMap<>();
        actual.put("embed_dim", c.embedDim());
        actual.put("vision_cfg.width", c.visionWidth());
        actual.put("vision_cfg.layers", c.resnet() ? java.util.Arrays.toString(c.resnetLayers()) : c.visionLayers());
        actual.put("vision_cfg.patch_size", c.patch());
        actual.put("vision_cfg.image_size", c.resolution());
        actual.put("vision_cfg.mlp_ratio (MLP width)", c.visionMlp());
        actual.put("vision_cfg.ls_init_value (layer scale)", c.visionLayerScale());
        actual.put("vision_cfg.no_ln_pre (ln_pre present)", c.lnPre());
        actual.put("text_cfg.width", c.textWidth());
        actual.put("text_cfg.layers", c.textLayers());
        actual.put("text_cfg.mlp_ratio (MLP width)", c.textMlp());
        actual.put("text_cfg.context_length", c.contextLength());
        actual.put("text_cfg.vocab_size", c.vocabSize());
        actual.put("text_cfg.ls_init_value (layer scale)", c.textLayerScale());
        actual.put("text_cfg.proj_bias/proj_type (text projection)", c.textProjection().name().toLowerCase());
        actual.put("vision_cfg.attentional_pool (visual.attn_pool present)", c.attnPoolHeads() > 0);
        actual.put("text_cfg.embed_cls (cls_emb present)", c.textCls());
        for (Map.Entry<String, Object> e : expected.entrySet()) {
            Object have = actual.get(e.getKey());
            if (!e.getValue().equals(have))
                throw new CheckpointException(source + ": " + e.getKey() + " is " + e.getValue() + " in the config but " + have + " in the weights of " + weights
                        + " (config and weights do not belong together)");
        }
    }

    /** A field's value without marking it read (MissingNode when absent). */
    private static JsonNode node(ObjectNode o, String name) {
        return o.path(name);
    }

    private static ObjectNode object(String source, String path, JsonNode n) {
        if (n == null || !n.isObject()) throw new CheckpointException(source + ": " + path + " must be a JSON object");
        return (ObjectNode) n;
    }

    /** Walks one JSON object: every field must be consumed by a handler, else it is refused by name. */
    private static final class Fields {
        private final String source, prefix;
        private final ObjectNode node;
        private final Set<String> seen = new TreeSet<>();

        Fields(String source, String prefix, ObjectNode node) {
            this.source = source;
            this.prefix = prefix;
            this.node = node;
        }

        Fields allow(String... names) {
            for (String n : names) seen.add(n);
            return this;
        }

        Fields allow(Set<String> names) {
            seen.addAll(names);
            return this;
        }

        /** The field's value, or null when absent or JSON null. */
        JsonNode get(String name) {
            seen.add(name);
            JsonNode v = node.get(name);
            return v == null || v.isNull() ? null : v;
        }

        String where(String name) {
            return prefix + name;
        }

        int integer(String name, int fallback) {
            JsonNode v = get(name);
            if (v == null) return fallback;
            if (!v.canConvertToInt() || !v.isIntegralNumber() && v.asDouble() != Math.rint(v.asDouble()))
                throw new CheckpointException(source + ": " + where(name) + " must be an integer, got " + v);
            return v.asInt();
        }

        double number(String name, double fallback) {
            JsonNode v = get(name);
            if (v == null) return fallback;
            if (!v.isNumber()) throw new CheckpointException(source + ": " + where(name) + " must be a number, got " + v);
            return v.asDouble();
        }

        boolean bool(String name, boolean fallback) {
            JsonNode v = get(name);
            if (v == null) return fallback;
            if (!v.isBoolean()) throw new CheckpointException(source + ": " + where(name) + " must be true or false, got " + v);
            return v.asBoolean();
        }

        String text(String name, String fallback) {
            JsonNode v = get(name);
            if (v == null) return fallback;
            if (!v.isTextual()) throw new CheckpointException(source + ": " + where(name) + " must be a string, got " + v);
            return v.asText();
        }

        /** An int, or a [h, w] pair that must be square (non-square inputs are not implemented). */
        int square(String name, int fallback) {
            JsonNode v = get(name);
            if (v == null) return fallback;
            if (v.isArray()) {
                if (v.size() != 2 || !v.get(0).canConvertToInt() || !v.get(1).canConvertToInt())
                    throw new CheckpointException(source + ": " + where(name) + " must be an integer or [height, width], got " + v);
                if (v.get(0).asInt() != v.get(1).asInt()) refuse(name, v, "non-square inputs are not supported");
                return v.get(0).asInt();
            }
            return integer(name, fallback);
        }

        /** Accepts the field only when absent, null, false or an empty object: any other value is refused. */
        void off(String name, String what) {
            JsonNode v = get(name);
            if (v == null || v.isBoolean() && !v.asBoolean() || v.isObject() && v.isEmpty()) return;
            refuse(name, v, what + " is not supported");
        }

        void refuse(String name, JsonNode v, String why) {
            throw new UnsupportedFeatureException(source + ": " + where(name) + " = " + v + ": " + why);
        }

        void done() {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!seen.contains(name))
                    throw new UnsupportedFeatureException(source + ": unknown field " + where(name) + " (not a field clipmatch implements or knows to be inert; refused rather than ignored)");
            }
        }
    }

    private static final class Parser {
        private final String source;
        private final Map<String, Object> expected = new LinkedHashMap<>();

        Parser(String source) {
            this.source = source;
        }

        OpenClipConfig parse(ObjectNode model, ObjectNode preprocess) {
            Fields m = new Fields(source, "model_cfg.", model);
            if (!model.has("embed_dim")) throw new CheckpointException(source + ": model_cfg has no embed_dim");
            expected.put("embed_dim", m.integer("embed_dim", 0));
            boolean quickGelu = m.bool("quick_gelu", false);
            m.bool("custom_text", false); // the text tower's weights under text.*: both layouts are read
            m.number("init_logit_scale", 0); // the weights hold the trained logit_scale
            m.number("init_logit_bias", 0); // and logit_bias, when the model has one (SigLIP)
            m.bool("nonscalar_logit_scale", false);
            boolean customText = node(model, "custom_text").asBoolean(false);
            // CoCa: its contrastive towers are CLIP's; the multimodal decoder (captioning) is never run for embeddings
            boolean coca = m.get("multimodal_cfg") != null;
            if (coca) {
                object(source, "model_cfg.multimodal_cfg", m.get("multimodal_cfg"));
                if (!customText) m.refuse("multimodal_cfg", m.get("multimodal_cfg"), "a CoCa needs custom_text (open_clip builds no CoCa without it)");
            }
            ObjectNode vision = object(source, "model_cfg.vision_cfg", m.get("vision_cfg"));
            ObjectNode text = object(source, "model_cfg.text_cfg", m.get("text_cfg"));
            m.done();
            if (coca) {
                // open_clip's CoCa unpacks (pooled, tokens) from each tower: without output_tokens it computes nonsense
                for (var e : Map.of("vision_cfg", vision, "text_cfg", text).entrySet())
                    if (!node(e.getValue(), "output_tokens").asBoolean(false))
                        throw new UnsupportedFeatureException(source + ": model_cfg." + e.getKey() + ".output_tokens must be true in a CoCa (multimodal_cfg): open_clip's CoCa reads the tower's tokens");
            }

            ClipConfig.Activation act = quickGelu ? ClipConfig.Activation.QUICK_GELU : ClipConfig.Activation.GELU;
            Fields v = new Fields(source, "model_cfg.vision_cfg.", vision);
            // timm_model_name: a ConvNeXt (ConvNextTower) or a SigLIP ViT trunk (TimmVitTower); other names are refused
            String timmName = v.text("timm_model_name", null);
            ConvNextTower.Spec convNext = null;
            TimmVitSpec timmVit = null;
            if (timmName != null) {
                if (ConvNextTower.TIMM_MODELS.containsKey(timmName)) convNext = convNext(v, vision, timmName);
                else timmVit = timmTrunk(v, timmName);
            }
            int visionHeads, imageSize;
            ClipConfig.Activation vAct;
            ClipConfig.VisionPool visionPool;
            boolean lnAfterPool;
            double vEps;
            int attnPoolHeads = 0, attnPoolQueries = 0;
            if (timmVit != null) {
                visionHeads = timmVit.heads();
                vAct = timmVit.act();
                visionPool = ClipConfig.VisionPool.MAP;
                lnAfterPool = false;
                vEps = TimmVitTower.EPS;
                imageSize = v.square("image_size", 224);
                if (imageSize != timmVit.imageSize())
                    v.refuse("image_size", v.get("image_size"), "timm builds " + timmName + " for " + timmVit.imageSize() + " px inputs");
                expected.put("vision_cfg.image_size", imageSize);
                expected.put("vision_cfg.patch_size", timmVit.patch());
            } else if (convNext != null) { // ConvNextTower keeps timm's own eps; its size came from convNext()
                v.allow(VISION_NOT_FOR_TIMM);
                imageSize = convNext.imageSize();
                visionHeads = 0;
                vAct = ClipConfig.Activation.GELU; // timm towers use exact GELU (open_clip's quick_gelu reaches only the text tower)
                visionPool = ClipConfig.VisionPool.TOK;
                lnAfterPool = false;
                vEps = Double.NaN;
            } else {
                JsonNode layers = v.get("layers");
                boolean resnet = layers != null && layers.isArray();
                int vWidth = v.integer("width", 768);
                expected.put("vision_cfg.width", vWidth);
                int headWidth = v.integer("head_width", 64);
                // open_clip: a ViT has width / head_width heads; a ModifiedResNet's attention pool width * 32 / head_width
                int poolWidth = resnet ? vWidth * 32 : vWidth;
                if (headWidth < 1 || poolWidth % headWidth != 0)
                    throw new CheckpointException(source + ": model_cfg.vision_cfg.head_width " + headWidth + " does not divide the width " + poolWidth);
                imageSize = v.square("image_size", 224);
                expected.put("vision_cfg.image_size", imageSize);
                if (resnet) {
                    if (layers.size() != 4) v.refuse("layers", layers, "a ResNet needs 4 stages");
                    int[] stages = new int[4];
                    for (int i = 0; i < 4; i++) {
                        if (!layers.get(i).canConvertToInt() || layers.get(i).asInt() < 1) v.refuse("layers", layers, "expected 4 positive block counts");
                        stages[i] = layers.get(i).asInt();
                    }
                    expected.put("vision_cfg.layers", java.util.Arrays.toString(stages));
                    // ModifiedResNet reads only layers, width, head_width and image_size: the ViT fields are inert
                    v.allow("mlp_ratio", "patch_size", "ls_init_value", "no_ln_pre", "pos_embed_type", "final_ln_after_pool", "pool_type");
                } else {
                    expected.put("vision_cfg.layers", v.integer("layers", 12));
                    expected.put("vision_cfg.mlp_ratio (MLP width)", (int) (vWidth * v.number("mlp_ratio", 4.0)));
                    expected.put("vision_cfg.patch_size", v.square("patch_size", 16));
                    expected.put("vision_cfg.ls_init_value (layer scale)", v.get("ls_init_value") != null);
                }
                JsonNode attnPool = v.get("attentional_pool");
                if (attnPool != null && !(attnPool.isBoolean() && !attnPool.asBoolean())) {
                    if (resnet || !attnPool.isBoolean()) // 'parallel' / 'cascade': open_clip's untested WIP pooling
                        v.refuse("attentional_pool", attnPool, resnet ? "attentional pooling in a ResNet is not supported" : "only attentional_pool true (CoCa's) is supported");
                    attnPoolHeads = v.integer("attn_pooler_heads", 8);
                    if (attnPoolHeads < 1) v.refuse("attn_pooler_heads", v.get("attn_pooler_heads"), "expected a positive head count");
                    attnPoolQueries = v.integer("attn_pooler_queries", 256);
                }
                expected.put("vision_cfg.attentional_pool (visual.attn_pool present)", attnPoolHeads > 0);
                if (!resnet) expected.put("vision_cfg.no_ln_pre (ln_pre present)", !v.bool("no_ln_pre", false));
                String posEmbed = v.text("pos_embed_type", "learnable");
                if (!posEmbed.equals("learnable") && !posEmbed.equals("sin_cos_2d")) // both are stored in the weights
                    v.refuse("pos_embed_type", v.get("pos_embed_type"), "expected learnable or sin_cos_2d");
                lnAfterPool = v.bool("final_ln_after_pool", false);
                String vPool = v.text("pool_type", "tok");
                visionPool = switch (vPool) {
                    case "tok" -> ClipConfig.VisionPool.TOK;
                    case "avg" -> ClipConfig.VisionPool.AVG;
                    default -> {
                        v.refuse("pool_type", v.get("pool_type"), "only tok and avg pooling are supported");
                        yield null;
                    }
                };
                vEps = towerCommon(v);
                vAct = withActKwargs(v, act);
                visionHeads = poolWidth / headWidth;
            }
            v.allow(VISION_INERT);
            v.done();

            Fields t = new Fields(source, "model_cfg.text_cfg.", text);
            t.off("hf_model_name", "a Hugging Face text tower");
            t.off("tokenizer_mode", "a tokenizer mode other than the standard one (open_clip's 'clips')");
            HfTokenizer.Settings hfTokenizer = hfTokenizer(t);
            expected.put("text_cfg.context_length", t.integer("context_length", 77));
            expected.put("text_cfg.vocab_size", t.integer("vocab_size", 49408));
            int tWidth = t.integer("width", 512);
            expected.put("text_cfg.width", tWidth);
            int tHeads = t.integer("heads", 8);
            if (tHeads < 1 || tWidth % tHeads != 0)
                throw new CheckpointException(source + ": model_cfg.text_cfg.heads " + tHeads + " does not divide the width " + tWidth);
            expected.put("text_cfg.layers", t.integer("layers", 12));
            expected.put("text_cfg.mlp_ratio (MLP width)", (int) (tWidth * t.number("mlp_ratio", 4.0)));
            expected.put("text_cfg.ls_init_value (layer scale)", t.get("ls_init_value") != null);
            boolean embedCls = t.bool("embed_cls", false);
            // open_clip's CLIP (without custom_text) drops the text tower's class token and fails on its positions
            if (embedCls && !customText) t.refuse("embed_cls", t.get("embed_cls"), "a text class token needs custom_text (open_clip's CLIP text path cannot run it)");
            expected.put("text_cfg.embed_cls (cls_emb present)", embedCls);
            long padId = t.integer("pad_id", 0); // read only with embed_cls: the class token's key mask hides it
            long eosId = t.integer("eos_id", 2);
            boolean causal = !t.bool("no_causal_mask", false);
            String tPool = t.text("pool_type", "argmax");
            ClipConfig.TextPool textPool = switch (tPool) {
                case "argmax" -> ClipConfig.TextPool.ARGMAX;
                case "first" -> ClipConfig.TextPool.FIRST;
                case "last" -> ClipConfig.TextPool.LAST;
                case "eos" -> ClipConfig.TextPool.EOS;
                default -> {
                    t.refuse("pool_type", t.get("pool_type"), "expected argmax, first, last or eos");
                    yield null;
                }
            };
            boolean projBias = t.bool("proj_bias", false);
            String projType = t.text("proj_type", "linear");
            if (!projType.equals("linear") && !projType.equals("none")) t.refuse("proj_type", t.get("proj_type"), "expected linear or none");
            expected.put("text_cfg.proj_bias/proj_type (text projection)", projType.equals("none") ? "none" : projBias ? "linear_bias" : "matrix");
            double tEps = towerCommon(t);
            ClipConfig.Activation tAct = withActKwargs(t, act);
            t.allow(TEXT_INERT);
            t.done();
            if (convNext == null && timmVit == null && vEps != tEps)
                throw new UnsupportedFeatureException(source + ": a different LayerNorm eps (norm_kwargs.eps) in the vision (" + vEps + ") and text (" + tEps + ") towers is not supported");

            // a timm image tower keeps its own eps (ConvNextTower, TimmVitTower): the text tower's is the one to pass on
            ClipConfig.ArchSpec arch = new ClipConfig.ArchSpec(visionHeads, tHeads, vAct, tAct, tEps, visionPool, lnAfterPool,
                    textPool, eosId, causal, convNext, attnPoolHeads, attnPoolQueries, padId);
            return new OpenClipConfig(source, arch, expected, preprocess(preprocess, imageSize), hfTokenizer);
        }

        /**
         * A timm trunk: only the SigLIP ViTs of models/timm/vit_siglip.json with their MAP pool and no projection.
         * open_clip passes none of the ViT fields to timm (the name fixes the trunk), so they are inert here.
         */
        private TimmVitSpec timmTrunk(Fields v, String name) {
            TimmVitSpec spec = TimmVitSpec.forName(name);
            if (spec == null)
                v.refuse("timm_model_name", v.get("timm_model_name"), "this timm vision tower is not supported (ConvNeXt: "
                        + String.join(", ", new TreeSet<>(ConvNextTower.TIMM_MODELS.keySet())) + "; SigLIP ViTs: " + String.join(", ", TimmVitSpec.names()) + ")");
            String pool = v.text("timm_pool", "avg");
            if (!pool.equals("map")) v.refuse("timm_pool", v.get("timm_pool"), name + " is supported with its MAP attention pool (map) only");
            String proj = v.text("timm_proj", "linear");
            if (!proj.equals("none")) v.refuse("timm_proj", v.get("timm_proj"), "a projection after the timm trunk is not supported (none only)");
            v.allow("layers", "width", "head_width", "patch_size", "mlp_ratio", "ls_init_value", "no_ln_pre", "pos_embed_type", "final_ln_after_pool",
                    "pool_type", "attentional_pool", "norm_kwargs", "act_kwargs", "block_type", "output_tokens");
            v.allow(CUSTOM_BLOCK.toArray(String[]::new));
            return spec;
        }

        /** text_cfg.hf_tokenizer_name with tokenizer_kwargs (open_clip's HFTokenizer: clean, strip_sep_token), or null. */
        private HfTokenizer.Settings hfTokenizer(Fields t) {
            String name = t.text("hf_tokenizer_name", null); // the tokenizer files come from the model folder, whatever hub name it gives
            JsonNode kwargs = t.get("tokenizer_kwargs");
            if (name == null) {
                if (kwargs != null && !(kwargs.isObject() && kwargs.isEmpty())) t.refuse("tokenizer_kwargs", kwargs, "options of OpenAI's tokenizer are not supported");
                return null;
            }
            HfTokenizer.Clean clean = HfTokenizer.Clean.WHITESPACE;
            boolean stripSep = false;
            if (kwargs != null) {
                if (!kwargs.isObject()) t.refuse("tokenizer_kwargs", kwargs, "expected an object");
                Fields k = new Fields(source, t.where("tokenizer_kwargs."), (ObjectNode) kwargs);
                String c = k.text("clean", "whitespace");
                clean = switch (c) {
                    case "whitespace" -> HfTokenizer.Clean.WHITESPACE;
                    case "lower" -> HfTokenizer.Clean.LOWER;
                    case "canonicalize" -> HfTokenizer.Clean.CANONICALIZE;
                    default -> {
                        k.refuse("clean", k.get("clean"), "expected whitespace, lower or canonicalize");
                        yield null;
                    }
                };
                stripSep = k.bool("strip_sep_token", false);
                k.done();
            }
            return new HfTokenizer.Settings(clean, stripSep);
        }

        /** open_clip's act_layer (QuickGELU or nn.GELU) given the tower's act_kwargs, which open_clip passes to it. */
        private ClipConfig.Activation withActKwargs(Fields f, ClipConfig.Activation act) {
            JsonNode kwargs = f.get("act_kwargs");
            if (kwargs == null || kwargs.isObject() && kwargs.isEmpty()) return act;
            if (!kwargs.isObject()) f.refuse("act_kwargs", kwargs, "expected an object");
            if (act == ClipConfig.Activation.QUICK_GELU) f.refuse("act_kwargs", kwargs, "QuickGELU takes no options (open_clip would fail)");
            Fields k = new Fields(source, f.where("act_kwargs."), (ObjectNode) kwargs);
            String approximate = k.text("approximate", "none");
            k.done();
            return switch (approximate) {
                case "none" -> ClipConfig.Activation.GELU;
                case "tanh" -> ClipConfig.Activation.GELU_TANH;
                default -> {
                    k.refuse("approximate", kwargs.get("approximate"), "expected none or tanh (torch's GELU)");
                    yield null;
                }
            };
        }

        /** A timm ConvNeXt's head as open_clip's TimmModel builds it (timm_pool, timm_proj, timm_proj_bias); the size from image_size. */
        private ConvNextTower.Spec convNext(Fields v, ObjectNode vision, String timmName) {
            int size = v.square("image_size", 224);
            if (size % 32 != 0) v.refuse("image_size", v.get("image_size"), "a ConvNeXt input size that is not a multiple of 32 is not supported");
            // absent: open_clip's defaults (avg, linear); JSON null is Python's None, which open_clip treats as ""
            JsonNode poolNode = v.get("timm_pool");
            String pool = vision.path("timm_pool").isNull() ? "" : v.text("timm_pool", "avg");
            JsonNode projNode = v.get("timm_proj");
            String proj = vision.path("timm_proj").isNull() ? "" : v.text("timm_proj", "linear");
            ConvNextTower.Projection projection = switch (proj) {
                case "linear" -> ConvNextTower.Projection.LINEAR;
                case "mlp" -> ConvNextTower.Projection.MLP;
                case "none" -> ConvNextTower.Projection.NONE;
                case "" -> ConvNextTower.Projection.TRUNK_FC;
                default -> {
                    v.refuse("timm_proj", projNode, "expected linear, mlp, none or \"\"");
                    yield null;
                }
            };
            boolean extraProj = projection == ConvNextTower.Projection.LINEAR || projection == ConvNextTower.Projection.MLP;
            ConvNextTower.Pool p = switch (pool) {
                case "avg" -> ConvNextTower.Pool.AVG;
                case "max" -> ConvNextTower.Pool.MAX;
                case "avgmax" -> ConvNextTower.Pool.AVG_MAX;
                // open_clip keeps timm's default (avg) for "" before its own projection; without one, "" disables pooling
                case "" -> extraProj ? ConvNextTower.Pool.AVG : null;
                default -> null;
            };
            if (p == null) v.refuse("timm_pool", poolNode, "expected avg, max, avgmax, or \"\" with timm_proj linear or mlp");
            boolean bias = v.bool("timm_proj_bias", false);
            v.bool("timm_model_pretrained", false); // ImageNet initialisation: the checkpoint's weights replace it
            v.number("timm_drop", 0);
            v.get("timm_drop_path");
            expected.put("vision_cfg.image_size", size);
            return new ConvNextTower.Spec(timmName, ConvNextTower.TIMM_MODELS.get(timmName), p, projection, bias, size);
        }

        /** Fields both towers share: activation/norm options and open_clip's custom attention block. Returns the LayerNorm eps. */
        private double towerCommon(Fields f) {
            double eps = 1e-5;
            JsonNode norm = f.get("norm_kwargs");
            if (norm != null) {
                if (!norm.isObject()) f.refuse("norm_kwargs", norm, "expected an object");
                Fields n = new Fields(source, f.where("norm_kwargs."), (ObjectNode) norm);
                eps = n.number("eps", eps);
                n.done();
            }
            String blockType = f.text("block_type", "default");
            if (!blockType.equals("default")) f.refuse("block_type", f.get("block_type"), "only open_clip's default attention block is supported");
            for (String k : CUSTOM_BLOCK) f.off(k, "open_clip's custom attention block (" + k + ")");
            return eps;
        }

        /** open_clip's inference transform: defaults, then preprocess_cfg, with the size taken from the vision tower. */
        private PreprocessConfig preprocess(ObjectNode cfg, int imageSize) {
            float[] mean = OPENAI_MEAN, std = OPENAI_STD;
            String interpolation = "bicubic", resize = "shortest";
            if (cfg != null) {
                Fields p = new Fields(source, "preprocess_cfg.", cfg);
                p.square("size", imageSize); // open_clip replaces it by the vision tower's image size
                String mode = p.text("mode", "RGB");
                if (!mode.equals("RGB")) p.refuse("mode", p.get("mode"), "only RGB input is supported");
                mean = triple(p, "mean", mean);
                std = triple(p, "std", std);
                interpolation = p.text("interpolation", interpolation);
                // 'random' is a training augmentation: open_clip's inference transform uses bicubic for it
                if (interpolation.equals("random")) interpolation = "bicubic";
                if (!interpolation.equals("bicubic") && !interpolation.equals("bilinear"))
                    p.refuse("interpolation", p.get("interpolation"), "expected bicubic or bilinear");
                resize = p.text("resize_mode", resize);
                if (!resize.equals("shortest") && !resize.equals("squash"))
                    p.refuse("resize_mode", p.get("resize_mode"), "only shortest (resize + centre crop) and squash are supported");
                p.integer("fill_color", 0); // used only by resize_mode longest (refused)
                p.done();
            }
            try {
                return new PreprocessConfig(imageSize, resize.equals("squash") ? PreprocessConfig.ResizeMode.SQUASH : PreprocessConfig.ResizeMode.SHORTEST,
                        interpolation.equals("bilinear") ? PreprocessConfig.Interpolation.BILINEAR : PreprocessConfig.Interpolation.BICUBIC,
                        PreprocessConfig.Crop.CENTER, mean, std);
            } catch (ClipMatchException e) {
                throw new CheckpointException(source + ": " + e.getMessage());
            }
        }

        private float[] triple(Fields p, String name, float[] fallback) {
            JsonNode v = p.get(name);
            if (v == null) return fallback;
            if (!v.isArray() || (v.size() != 3 && v.size() != 1))
                throw new CheckpointException(source + ": " + p.where(name) + " must be a list of 3 numbers (R, G, B), got " + v);
            float[] out = new float[3];
            for (int i = 0; i < 3; i++) {
                JsonNode x = v.get(v.size() == 1 ? 0 : i);
                if (!x.isNumber()) throw new CheckpointException(source + ": " + p.where(name) + " must be a list of numbers, got " + v);
                out[i] = (float) x.asDouble();
            }
            return out;
        }
    }
}
