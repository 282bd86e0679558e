#!/usr/bin/env python3
"""Writes models/pretrained/open_clip.json: every pretrained tag of open_clip's table (open_clip.pretrained), as
data for `clipmatch models` / `fetch-model ARCH/TAG`: where the weights are (Hugging Face hub repo and the file
names open_clip tries, in its order; the direct URL), the sha256 where it is published (OpenAI's URLs carry it in
their path; nothing else does: those entries say "sha256_confirmed": false), the preprocessing open_clip applies
for the tag (the tag's mean/std/interpolation/resize_mode over the architecture's image size), QuickGELU, image
size, family and tokenizer. Whether clipmatch can load a tag is not recorded: it is computed at listing time
from the architecture config (models/open_clip/ARCH.json).

Usage: python3 tools/export_open_clip_pretrained.py [--out models/pretrained/open_clip.json]
"""
import argparse
import json
import os
import re

import open_clip_shim  # noqa: F401  (lets open_clip import on a CPU-only torch)
import open_clip
from open_clip import pretrained as oc_pretrained
from open_clip.constants import HF_SAFE_WEIGHTS_NAME, HF_WEIGHTS_NAME

HERE = os.path.dirname(os.path.abspath(__file__))
OPENAI_URL = re.compile(r"^https://openaipublic\.azureedge\.net/clip/models/([0-9a-f]{64})/[^/]+$")


def family(arch, model_cfg):
    """The model family, from open_clip's naming (the config alone does not say SigLIP vs CLIP)."""
    rules = [("coca_", "CoCa"), ("convnext_", "ConvNeXt"), ("EVA", "EVA"), ("ViTamin", "ViTamin"), ("MobileCLIP", "MobileCLIP"),
             ("PE-Core", "PE-Core"), ("SigLIP2", "SigLIP2"), ("SigLIP", "SigLIP"), ("CLIPA", "CLIPA"), ("nllb-clip", "NLLB-CLIP"),
             ("worldwide", "MetaCLIP-2 worldwide"), ("RN", "ResNet")]
    for needle, name in rules:
        if (arch.startswith(needle) if needle in ("coca_", "convnext_", "RN") else needle in arch):
            return name
    if "hf_model_name" in model_cfg.get("text_cfg", {}):
        return "ViT + HF text"
    if "timm_model_name" in model_cfg.get("vision_cfg", {}):
        return "timm"
    return "ViT"


def weight_candidates(hf_hub):
    """open_clip's download_pretrained_from_hf: the safetensors alternative first, then the named file."""
    repo, filename = os.path.split(hf_hub)  # "org/name/" names no file: open_clip's default
    filename = filename or HF_WEIGHTS_NAME
    names = []
    if filename == HF_WEIGHTS_NAME:
        names.append(HF_SAFE_WEIGHTS_NAME)
    elif filename.endswith((".bin", ".pth")):
        names.append(filename[:-4] + ".safetensors")
    names.append(filename)
    return repo, names


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "..", "models", "pretrained", "open_clip.json"))
    args = ap.parse_args()
    with open(os.path.join(HERE, "..", "models", "ViT-B-32.json")) as fh:
        vocab = json.load(fh)["tokenizer"]  # OpenAI's BPE vocabulary, pinned with its sha256
    tags = []
    for arch, tag in open_clip.list_pretrained():
        cfg = oc_pretrained.get_pretrained_cfg(arch, tag)
        model_cfg = open_clip.get_model_config(arch)
        vision, text = model_cfg["vision_cfg"], model_cfg["text_cfg"]
        size = vision.get("image_size", 224)
        repo, weights = weight_candidates(cfg["hf_hub"])
        m = OPENAI_URL.match(cfg.get("url") or "")
        entry = {
            "name": f"{arch}/{tag}",
            "arch": arch,
            "tag": tag,
            "family": family(arch, model_cfg),
            "image_size": size if isinstance(size, int) else list(size),
            "embed_dim": model_cfg["embed_dim"],
            "quick_gelu": bool(cfg.get("quick_gelu", False)),
            "arch_quick_gelu": bool(model_cfg.get("quick_gelu", False)),
            "hub_repo": repo,
            "hub_files": weights,
            "url": cfg.get("url") or None,
            # OpenAI's URLs embed the file's sha256; open_clip's table publishes no other checksum.
            "download": "url" if m else "hub",
            "sha256": m.group(1) if m else None,
            "sha256_confirmed": bool(m),
            "preprocess": {"mean": list(cfg["mean"]), "std": list(cfg["std"]), "interpolation": cfg["interpolation"],
                           "resize_mode": cfg["resize_mode"]},
            "tokenizer": ("hf:" + text["hf_tokenizer_name"]) if text.get("hf_tokenizer_name") else "clip-bpe",
            "context_length": text.get("context_length", 77),
        }
        tags.append(entry)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    head = {"source": "open_clip.pretrained (list_pretrained, get_pretrained_cfg)", "open_clip_version": open_clip.__version__,
            "clip_bpe_vocab": vocab}
    with open(args.out, "w") as fh:  # one tag per line: a re-export's diff shows the tags that changed
        fh.write(json.dumps(head, indent=1)[:-2] + ',\n "tags": [\n')
        fh.write(",\n".join("  " + json.dumps(t) for t in tags))
        fh.write("\n ]\n}\n")
    confirmed = sum(t["sha256_confirmed"] for t in tags)
    print(f"{len(tags)} tags ({confirmed} with a published sha256) from open_clip {open_clip.__version__} -> {args.out}")


if __name__ == "__main__":
    main()
