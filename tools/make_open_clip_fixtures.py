#!/usr/bin/env python3
"""Writes the open_clip oracle fixtures of clipmatch's model tests (src/test/resources/open_clip/).

For each variant below, a tiny open_clip model config (narrow widths, 2 layers, so the files stay small) is built
with open_clip itself (`open_clip.create_model`), its random weights are perturbed so that no parameter keeps a
trivial initial value (LayerNorm weights of 1, zero biases, layer scales equal to their init), and the model is
saved the way the hub publishes open_clip models:

  <variant>/open_clip_config.json            {"model_cfg": ..., "preprocess_cfg": ...}
  <variant>/open_clip_model.safetensors.gz   the state dict (gzipped only to keep the repository small)
  <variant>/open_clip_pytorch_model.bin.gz   the same state dict saved by torch.save (some variants)

Then open_clip loads that folder back (`create_model_and_transforms("local-dir:...")`, `get_tokenizer`), exactly as
a user would, and its outputs are recorded: image_embeds.npy (encode_image of its own preprocessing of real
photos from ../shared/data), text_embeds.npy (encode_text of its tokenizer's ids), token_ids.npy. meta.json lists
the images, captions and the versions used. Java's OpenClipOracleTest runs clipmatch on the same files and asks
for cosine >= 0.99999 per row.

Weights are rounded to 2 significant bits and stored as float16 (exact, and they compress); the token embedding keeps open_clip's
49,408 x width shape, its rows repeating a small random table except the ids the captions use.

Usage: python3 tools/make_open_clip_fixtures.py [--data ../shared/data] [--out src/test/resources/open_clip]
Needs: pip install torch==2.13.0+cpu open-clip-torch safetensors numpy pillow (local mirror).
"""
import argparse
import copy
import gzip
import json
import os
import shutil
import tempfile

import open_clip_shim  # noqa: F401  (before open_clip: see that file)
import numpy as np
import PIL
import safetensors
import safetensors.torch
import torch
from PIL import Image

import open_clip

IMAGES = ["coco/000000039769.png", "refs/jina_clip/man_piercing.jpg", "skimage/chelsea.png",
          "flickr8k/images/1000268201_693b08cb0e.jpg"]
CAPTIONS = ["a photo of a cat", "a diagram",
            "The man with pierced ears is wearing glasses and an orange hat.",
            "Two cats laying on a pink blanket next to remote controls, one of them asleep.",
            "a child in a pink dress is climbing up a set of stairs in an entry way .",
            "dogs"]

BASE = {
    "embed_dim": 24,
    "vision_cfg": {"image_size": 32, "layers": 2, "width": 32, "head_width": 16, "patch_size": 8},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 2},
}

# name -> (model_cfg overrides {section: {field: value}}, preprocess_cfg or None, write the .bin form too)
VARIANTS = {
    "vit-gelu": ({}, None, True),
    "vit-quickgelu": ({"quick_gelu": True}, None, True),
    "heads": ({"vision_cfg": {"head_width": 8}, "text_cfg": {"heads": 4}}, None, False),
    "text-heads-default": ({"text_cfg": {"heads": None}}, None, False),  # open_clip's default: 8 heads
    "mlp-ratio": ({"vision_cfg": {"mlp_ratio": 2.0}, "text_cfg": {"mlp_ratio": 3.0}}, None, False),
    "layer-scale": ({"vision_cfg": {"ls_init_value": 0.5}, "text_cfg": {"ls_init_value": 0.25}}, None, False),
    "avg-pool-final-ln": ({"vision_cfg": {"no_ln_pre": True, "final_ln_after_pool": True, "pool_type": "avg"}}, None, False),
    "avg-pool": ({"vision_cfg": {"pool_type": "avg"}}, None, False),
    "tok-final-ln": ({"vision_cfg": {"final_ln_after_pool": True}}, None, False),
    "text-noncausal-last": ({"text_cfg": {"no_causal_mask": True, "pool_type": "last"}}, None, False),
    "text-first": ({"text_cfg": {"pool_type": "first"}}, None, False),
    "text-eos": ({"text_cfg": {"pool_type": "eos", "eos_id": 320}}, None, False),  # 320 = "a</w>": pooled at the first "a"
    "proj-bias": ({"text_cfg": {"proj_bias": True}}, None, False),
    "proj-none": ({"embed_dim": 32, "text_cfg": {"proj_type": "none"}}, None, False),
    "custom-text": ({"custom_text": True, "quick_gelu": True}, None, True),
    "sincos-eps": ({"vision_cfg": {"pos_embed_type": "sin_cos_2d", "norm_kwargs": {"eps": 1e-6}},
                    "text_cfg": {"norm_kwargs": {"eps": 1e-6}}}, None, False),
    "squash-bilinear": ({"vision_cfg": {"image_size": 40}},
                        {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "interpolation": "bilinear", "resize_mode": "squash"}, False),
    # ModifiedResNet (RN50's layout at width 4, one block per stage): BatchNorm statistics, anti-aliased strides, attention pool
    "resnet": ({"vision_cfg": {"image_size": 64, "layers": [1, 1, 1, 1], "width": 4, "head_width": 16, "patch_size": None}}, None, True),
    "resnet-quickgelu-2x": ({"quick_gelu": True, "vision_cfg": {"image_size": 64, "layers": [2, 1, 1, 1], "width": 4, "head_width": 32,
                                                                "patch_size": None}}, None, False),
    "shortest-bicubic-48": ({"vision_cfg": {"image_size": 48, "patch_size": 16}},
                            {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225], "interpolation": "bicubic", "resize_mode": "shortest"}, False),
}


def model_cfg(overrides):
    cfg = copy.deepcopy(BASE)
    for k, v in overrides.items():
        if isinstance(v, dict):
            for kk, vv in v.items():
                if vv is None:
                    cfg[k].pop(kk, None)
                else:
                    cfg[k][kk] = vv
        else:
            cfg[k] = v
    return cfg


def round_bits(t):
    """2 significant bits: exact in float32 and fp16/bf16, and compressible."""
    m, e = np.frexp(t.numpy().astype(np.float64))
    return torch.from_numpy(np.ldexp(np.round(m * 4) / 4, e).astype(np.float32))


def randomise(model, rng, used_ids):
    sd = model.state_dict()
    out = {}
    for k, v in sd.items():
        if not v.is_floating_point():
            out[k] = v  # BatchNorm's num_batches_tracked
            continue
        if k.endswith("running_var"):
            out[k] = round_bits(torch.from_numpy(rng.uniform(0.5, 2.0, tuple(v.shape)).astype(np.float32)))
            continue
        if k.endswith("token_embedding.weight"):
            table = torch.from_numpy(rng.normal(0, 0.5, (61, v.shape[1])).astype(np.float32))
            w = table.repeat((v.shape[0] + 60) // 61, 1)[: v.shape[0]].clone()
            for i in used_ids:
                w[i] = torch.from_numpy(rng.normal(0, 0.5, v.shape[1]).astype(np.float32))
            out[k] = round_bits(w)
        elif k.endswith("logit_scale"):
            out[k] = v
        else:
            scale = 0.3 if v.ndim == 1 else 1.0 / max(1.0, np.sqrt(v.shape[-1]))
            base = 1.0 if ("ln_" in k or ".bn" in k or "downsample.1" in k) and k.endswith(".weight") else 0.0  # norm gains near 1
            out[k] = round_bits(v * 0 + base + torch.from_numpy(rng.normal(0, scale, tuple(v.shape)).astype(np.float32)))
    # stored as float16 (exact for these values, half the bytes); open_clip casts them on loading, as clipmatch does
    return {k: (v.half() if v.is_floating_point() else v).contiguous() for k, v in out.items()}


def gz(src, dst):
    with open(src, "rb") as fi, gzip.GzipFile(dst, "wb", mtime=0) as fo:
        shutil.copyfileobj(fi, fo)


def write_config(folder, model_cfg, preprocess_cfg):
    """open_clip_config.json as the hub writes it: model_cfg, and preprocess_cfg when given."""
    config = {"model_cfg": model_cfg}
    if preprocess_cfg is not None:
        config["preprocess_cfg"] = preprocess_cfg
    with open(os.path.join(folder, "open_clip_config.json"), "w") as fh:
        json.dump(config, fh, indent=1)


def export_variant(tmp, out, sd, pil_images, with_bin):
    """Saves sd into the folder tmp (beside its config) as the hub does, has open_clip load the folder back like any hub
    model (config, weights, transform, tokenizer) and writes the fixture folder out: the config, the gzipped weights
    (and .bin), open_clip's embeddings of IMAGES and CAPTIONS and the token ids. Returns (img, txt, ids)."""
    safetensors.torch.save_file(sd, os.path.join(tmp, "open_clip_model.safetensors"))
    model, _, preprocess = open_clip.create_model_and_transforms(f"local-dir:{tmp}")
    tokenizer = open_clip.get_tokenizer(f"local-dir:{tmp}")
    model.eval()
    with torch.no_grad():
        pixels = torch.stack([preprocess(im) for im in pil_images])
        ids = tokenizer(CAPTIONS)
        img = model.encode_image(pixels).numpy().astype(np.float32)
        txt = model.encode_text(ids).numpy().astype(np.float32)
    os.makedirs(out)
    shutil.copyfile(os.path.join(tmp, "open_clip_config.json"), os.path.join(out, "open_clip_config.json"))
    gz(os.path.join(tmp, "open_clip_model.safetensors"), os.path.join(out, "open_clip_model.safetensors.gz"))
    if with_bin:
        torch.save(sd, os.path.join(tmp, "open_clip_pytorch_model.bin"))
        # the pickle must be the same model: open_clip reads it back to the same outputs
        m2, _, _ = open_clip.create_model_and_transforms(f"local-dir:{tmp}")  # picks the safetensors; check the .bin by hand
        m2.load_state_dict(torch.load(os.path.join(tmp, "open_clip_pytorch_model.bin"), weights_only=True))
        m2.eval()
        with torch.no_grad():
            assert np.array_equal(m2.encode_image(pixels).numpy(), img) and np.array_equal(m2.encode_text(ids).numpy(), txt)
        gz(os.path.join(tmp, "open_clip_pytorch_model.bin"), os.path.join(out, "open_clip_pytorch_model.bin.gz"))
    np.save(os.path.join(out, "image_embeds.npy"), img)
    np.save(os.path.join(out, "text_embeds.npy"), txt)
    np.save(os.path.join(out, "token_ids.npy"), ids.numpy().astype(np.int64))
    return img, txt, ids


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data"))
    ap.add_argument("--out", default=os.path.join(here, "..", "src", "test", "resources", "open_clip"))
    args = ap.parse_args()
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    tok = open_clip.get_tokenizer("ViT-B-32")
    used = sorted(set(int(i) for i in tok(CAPTIONS).flatten().tolist()))
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    pil_images = [Image.open(os.path.join(args.data, p)).convert("RGB") for p in IMAGES]
    for name, (overrides, pp, with_bin) in VARIANTS.items():
        cfg = model_cfg(overrides)
        with tempfile.TemporaryDirectory() as tmp:
            write_config(tmp, cfg, pp)
            # a model of this config (the folder has no weights yet: open_clip initialises them), saved as the hub does
            model = open_clip.create_model(f"local-dir:{tmp}")
            img, txt, _ = export_variant(tmp, os.path.join(args.out, name), randomise(model, rng, used), pil_images, with_bin)
            print(f"{name}: image {img.shape}, text {txt.shape}")
    meta = {
        "images": IMAGES, "captions": CAPTIONS, "variants": {k: {"model_cfg_overrides": v[0], "preprocess_cfg": v[1], "bin": v[2]}
                                                              for k, v in VARIANTS.items()},
        "versions": {"open_clip": open_clip.__version__, "torch": torch.__version__, "numpy": np.__version__,
                     "pillow": PIL.__version__, "safetensors": safetensors.__version__},
    }
    with open(os.path.join(args.out, "meta.json"), "w") as fh:
        json.dump(meta, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
