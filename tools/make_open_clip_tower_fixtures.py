#!/usr/bin/env python3
"""Writes the open_clip oracle fixtures of clipmatch's ConvNeXt and CoCa towers (src/test/resources/open_clip_towers/).

Same design, layout and checks as tools/make_open_clip_fixtures.py (read it first): a tiny open_clip config per
variant, random weights rounded to 2 significant bits and stored as float16, the folder as the hub publishes it
(open_clip_config.json + open_clip_model.safetensors, and the torch.save .bin for some), then open_clip loads the
folder back and its embeddings of the real photos and captions are the reference.

ConvNeXt: open_clip builds the tower through timm (`timm.create_model(timm_model_name)`), whose convnext_* entries
have fixed widths (convnext_tiny alone is 28M parameters). For fixtures of a few hundred KB the generator passes
timm tiny `depths`/`dims` as extra keyword arguments of that same entry (TINY_CONVNEXT below), exactly as
`timm.create_model(name, depths=..., dims=...)` would: timm's own ConvNeXt class, its head, its norm eps for the
name (convnext_xxlarge: 1e-5, the others 1e-6) and open_clip's TimmModel head (pool, linear / mlp projection) all
run unchanged; only the stage widths and depths differ from the published models. clipmatch reads widths and depths
off the weights, like every other size.

CoCa: open_clip's CoCa (custom_text + multimodal_cfg) and a CustomTextCLIP with CoCa's towers (attentional pooling
in the ViT, a text class token) without the decoder. CoCa's encode_image / encode_text L2-normalise by default;
the test compares cosines, so that changes nothing.

Usage: python3 tools/make_open_clip_tower_fixtures.py [--data ../shared/data] [--out src/test/resources/open_clip_towers]
Needs the venv of tools/make_open_clip_fixtures.py (open_clip 3.3.0, timm 1.0.29, torch 2.13.0+cpu).
"""
import argparse
import json
import os
import shutil
import tempfile

import open_clip_shim  # noqa: F401  (before open_clip: see that file)
import numpy as np
import PIL
import safetensors
import timm
import torch
from PIL import Image

import open_clip
import open_clip.timm_model
from make_open_clip_fixtures import CAPTIONS, IMAGES, export_variant, round_bits, write_config

TINY_CONVNEXT = {"depths": (1, 1, 2, 1), "dims": (8, 12, 16, 24)}

TEXT = {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 2}


def convnext(name, image_size, pool, proj, **extra):
    vision = {"timm_model_name": name, "timm_model_pretrained": False, "timm_pool": pool, "timm_proj": proj,
              "timm_drop": 0.0, "timm_drop_path": 0.1, "image_size": image_size}
    vision.update(extra)
    return vision


COCA_TEXT = {"context_length": 76, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 2, "embed_cls": True, "output_tokens": True}
COCA_VISION = {"image_size": 32, "layers": 2, "width": 32, "head_width": 16, "patch_size": 8, "attentional_pool": True,
               "attn_pooler_heads": 4, "attn_pooler_queries": 6, "output_tokens": True}

# name -> (model_cfg, preprocess_cfg or None, write the .bin form too)
VARIANTS = {
    # convnext_base_w's head: default (average) pool, Linear projection without bias
    "convnext-linear": ({"embed_dim": 24, "vision_cfg": convnext("convnext_base", 64, "", "linear"), "text_cfg": TEXT}, None, True),
    # convnext_large_d's head (mlp) with bias, on convnext_xxlarge's LayerNorm eps 1e-5, max pooling, QuickGELU text
    "convnext-mlp-max": ({"embed_dim": 24, "quick_gelu": True, "text_cfg": TEXT,
                          "vision_cfg": convnext("convnext_xxlarge", 96, "max", "mlp", timm_proj_bias=True)}, None, False),
    # timm's own classifier as the projection (timm_proj ""), avg+max pooling
    "convnext-trunk-fc-avgmax": ({"embed_dim": 24, "vision_cfg": convnext("convnext_tiny", 64, "avgmax", ""), "text_cfg": TEXT}, None, False),
    # no projection: the pooled, normed features are the embedding
    "convnext-proj-none": ({"embed_dim": 24, "vision_cfg": convnext("convnext_small", 64, "avg", "none"),
                            "text_cfg": dict(TEXT, width=24, heads=2)}, None, False),
    # open_clip's CoCa (coca_ViT-B-32's layout): attentional pool (kdim != embed_dim), text class token, decoder unused
    "coca": ({"embed_dim": 24, "custom_text": True, "vision_cfg": COCA_VISION, "text_cfg": COCA_TEXT,
              "multimodal_cfg": {"context_length": 76, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1, "attn_pooler_heads": 2}},
             None, True),
    # CoCa's towers in a CustomTextCLIP: attentional pool with embed_dim == width (packed q/k/v), avg over queries 1..,
    # QuickGELU, pad_id 320 (= "a</w>": the key mask then hides real words)
    "attn-pool-avg-cls": ({"embed_dim": 32, "custom_text": True, "quick_gelu": True,
                           "vision_cfg": dict(COCA_VISION, attn_pooler_heads=2, attn_pooler_queries=5, pool_type="avg", output_tokens=False),
                           "text_cfg": dict(COCA_TEXT, output_tokens=False, pad_id=320)}, None, False),
}

# tensors scaled after randomising (powers of 2: exact): the stem's output variance ~1e-6, so that the next
# LayerNorm's eps (convnext_xxlarge's 1e-5 against the others' 1e-6) changes the result well beyond the tolerance
SCALED = {"convnext-mlp-max": {"visual.trunk.stem.0.": 2.0 ** -10}}


def randomise(model, rng, used_ids):
    """As make_open_clip_fixtures.randomise, with ConvNeXt's and the attentional pooler's norms near 1."""
    out = {}
    for k, v in model.state_dict().items():
        if not v.is_floating_point():
            out[k] = v
            continue
        if k.endswith("token_embedding.weight"):
            table = torch.from_numpy(rng.normal(0, 0.5, (61, v.shape[1])).astype(np.float32))
            w = table.repeat((v.shape[0] + 60) // 61, 1)[: v.shape[0]].clone()
            for i in used_ids:
                w[i] = torch.from_numpy(rng.normal(0, 0.5, v.shape[1]).astype(np.float32))
            out[k] = round_bits(w)
        elif k.endswith("logit_scale"):
            out[k] = v
        elif k.startswith("text_decoder.") and max(v.shape) >= 49408:
            # the decoder's vocabulary-sized tensors (not run by clipmatch): a repeating table, so they compress
            small = torch.from_numpy(rng.normal(0, 0.1, tuple(min(n, 7) for n in v.shape)).astype(np.float32))
            out[k] = round_bits(small.repeat(*[-(-n // m) for n, m in zip(v.shape, small.shape)])[tuple(slice(0, n) for n in v.shape)].contiguous())
        else:
            scale = 0.3 if v.ndim == 1 else 1.0 / max(1.0, np.sqrt(np.prod(v.shape[1:])))
            norm = v.ndim == 1 and k.endswith(".weight") and any(s in k for s in ("ln_", "norm", "stem.1", "downsample.0"))
            out[k] = round_bits(v * 0 + (1.0 if norm else 0.0) + torch.from_numpy(rng.normal(0, scale, tuple(v.shape)).astype(np.float32)))
    return {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in out.items()}


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data"))
    ap.add_argument("--out", default=os.path.join(here, "..", "src", "test", "resources", "open_clip_towers"))
    args = ap.parse_args()
    torch.manual_seed(0)
    rng = np.random.default_rng(1)
    real_create = timm.create_model

    def tiny_create(name, **kwargs):  # the same timm entry, with tiny stages (see the module docstring)
        return real_create(name, **(dict(TINY_CONVNEXT, **kwargs) if name.startswith("convnext_") else kwargs))

    open_clip.timm_model.timm.create_model = tiny_create
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    pil_images = [Image.open(os.path.join(args.data, p)).convert("RGB") for p in IMAGES]
    for name, (cfg, pp, with_bin) in VARIANTS.items():
        with tempfile.TemporaryDirectory() as tmp:
            write_config(tmp, cfg, pp)
            tokenizer = open_clip.get_tokenizer(f"local-dir:{tmp}")
            used = sorted(set(int(i) for i in tokenizer(CAPTIONS).flatten().tolist()))
            model = open_clip.create_model(f"local-dir:{tmp}")
            sd = randomise(model, rng, used)
            for prefix, factor in SCALED.get(name, {}).items():
                sd = {k: v * factor if k.startswith(prefix) else v for k, v in sd.items()}
            img, txt, ids = export_variant(tmp, os.path.join(args.out, name), sd, pil_images, with_bin)
            print(f"{name}: image {img.shape}, text {txt.shape}, ids {tuple(ids.shape)}")
    meta = {
        "images": IMAGES, "captions": CAPTIONS, "tiny_convnext": TINY_CONVNEXT, "scaled": SCALED,
        "variants": {k: {"model_cfg": v[0], "preprocess_cfg": v[1], "bin": v[2]} for k, v in VARIANTS.items()},
        "versions": {"open_clip": open_clip.__version__, "timm": timm.__version__, "torch": torch.__version__, "numpy": np.__version__,
                     "pillow": PIL.__version__, "safetensors": safetensors.__version__},
    }
    with open(os.path.join(args.out, "meta.json"), "w") as fh:
        json.dump(meta, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
