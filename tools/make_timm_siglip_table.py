#!/usr/bin/env python3
"""Writes models/timm/vit_siglip.json: what clipmatch needs to know of each timm SigLIP ViT trunk that the shipped
open_clip configs name (vision_cfg.timm_model_name) and that its weights cannot tell: the head count, the MLP
activation, the pooling, the LayerNorm eps, plus the sizes (checked against the weights).

The values are read off timm's own model objects (built on the meta device, no weights), not copied by hand.

Usage: python3 tools/make_timm_siglip_table.py   (timm 1.0.29, torch 2.13 CPU)
"""
import glob
import json
import os

import open_clip_shim  # noqa: F401  (before timm/open_clip: see that file)
import timm
import torch

here = os.path.dirname(os.path.abspath(__file__))
names = set()
for f in glob.glob(os.path.join(here, "..", "models", "open_clip", "*.json")):
    with open(f) as fh:
        cfg = json.load(fh)
    name = cfg.get("vision_cfg", {}).get("timm_model_name") or ""
    if "_siglip_" in name:
        names.add(name)
table = {}
for name in sorted(names):
    with torch.device("meta"):
        m = timm.create_model(name, pretrained=False, num_classes=0)
    blk = m.blocks[0]
    act = type(blk.mlp.act).__name__  # nn.GELU (exact, erf) or timm's GELUTanh (F.gelu(approximate='tanh'))
    assert act in ("GELU", "GELUTanh") and getattr(blk.mlp.act, "approximate", "none") == "none", (name, act)
    assert type(m.attn_pool.mlp.act) is type(blk.mlp.act) and m.attn_pool.mlp.fc1.out_features == blk.mlp.fc1.out_features
    assert m.cls_token is None and m.num_reg_tokens == 0 and m.global_pool == "map" and m.attn_pool.latent_len == 1
    assert type(m.norm_pre).__name__ == "Identity" and type(m.fc_norm).__name__ == "Identity"
    assert type(blk.ls1).__name__ == "Identity" and type(blk.attn.q_norm).__name__ == "Identity"
    table[name] = {
        "heads": blk.attn.num_heads, "pool_heads": m.attn_pool.num_heads,
        "act": "gelu_tanh" if act == "GELUTanh" else "gelu",
        "eps": m.norm.eps, "width": m.embed_dim, "layers": len(m.blocks), "mlp": blk.mlp.fc1.out_features,
        "patch": m.patch_embed.patch_size[0], "image_size": m.patch_embed.img_size[0],
    }
out = os.path.join(here, "..", "models", "timm", "vit_siglip.json")
with open(out, "w") as fh:
    json.dump({"timm": timm.__version__, "models": table}, fh, indent=1)
    fh.write("\n")
print(f"{len(table)} trunks -> {out}")
