#!/usr/bin/env python3
"""Full-size check of clipmatch against open_clip (not a test: minutes and ~1 GB of weights per model).

For each open_clip architecture named (default: convnext_base_w, coca_ViT-B-32), builds the model at its real
size with open_clip (random weights, perturbed so that layer scales, norms and biases are not at their trivial
initial values), saves it as the hub publishes it (open_clip_config.json + open_clip_model.safetensors) in a
temporary folder, then compares open_clip's embeddings of the four photos and six captions of the oracle fixtures
(tools/make_open_clip_fixtures.py) with those of `clipmatch embed` (the CLI, end to end: its preprocessing,
tokenizer and model). Prints the min cosine per tower; docs/MODEL.md records the figures.

Architectures whose text tower names a Hugging Face tokenizer (text_cfg.hf_tokenizer_name: SigLIP, SigLIP 2, CLIPA)
would need the real tokenizer from the hub (no network here): the folder gets instead the tokenizer files of the
matching tiny fixture (src/test/resources/open_clip_hf/<variant>/, tools/make_open_clip_hf_fixtures.py: siglip =
T5-style Unigram, siglip2 = Gemma-style BPE, clipa = BERT WordPiece), which both open_clip (its HFTokenizer loads a
local-dir folder's files) and clipmatch read; their ids fit the full-size vocabulary, as asserted. Such folders also
get the preprocess_cfg of the architecture's first pretrained tag, as its hub folder has.

Usage: python3 tools/check_open_clip_full_size.py [ARCH ...] [--data ../shared/data] [--threads 2]
Needs the venv of tools/make_open_clip_fixtures.py and a built clipmatch (the ./clipmatch launcher builds it).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import open_clip_shim  # noqa: F401  (before open_clip: see that file)
import numpy as np
import safetensors.torch
import torch

import open_clip
from make_open_clip_fixtures import CAPTIONS, IMAGES


def perturb(model, gen):
    """Random but non-trivial values: timm's layer scales start at 1e-6 (blocks would be near identities)."""
    sd = model.state_dict()
    out = {}
    for k, v in sd.items():
        if not v.is_floating_point() or k.endswith("logit_scale"):
            out[k] = v
        elif k.endswith(".gamma"):
            out[k] = torch.empty_like(v).uniform_(0.05, 0.3, generator=gen)
        elif v.ndim == 1:
            base = 1.0 if k.endswith(".weight") else 0.0  # norm gains near 1, biases near 0
            out[k] = base + 0.1 * torch.randn(v.shape, generator=gen)
        else:
            out[k] = v
    return {k: v.contiguous() for k, v in out.items()}


def tokenizer_fixture(hf_tokenizer_name):
    """The fixture variant whose tokenizer has the style of the named hub tokenizer."""
    name = hf_tokenizer_name.lower()
    for key, variant in (("siglip2", "siglip2"), ("siglip", "siglip"), ("bert", "clipa")):
        if key in name:
            return variant
    raise SystemExit(f"no local tokenizer fixture for hf_tokenizer_name {hf_tokenizer_name!r}")


def hub_config(arch, fixtures, folder):
    """open_clip_config.json as a hub folder has it; for a Hugging Face tokenizer, the fixture's files beside it."""
    config = {"model_cfg": open_clip.get_model_config(arch)}
    text_cfg = config["model_cfg"]["text_cfg"]
    if text_cfg.get("hf_tokenizer_name"):
        variant = tokenizer_fixture(text_cfg["hf_tokenizer_name"])
        for f in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
            if os.path.exists(os.path.join(fixtures, variant, f)):
                shutil.copy(os.path.join(fixtures, variant, f), folder)
        tags = open_clip.list_pretrained_tags_by_model(arch)
        if tags:
            pp = open_clip.get_pretrained_cfg(arch, tags[0])
            config["preprocess_cfg"] = {k: pp[k] for k in ("mean", "std", "interpolation", "resize_mode") if k in pp}
        print(f"{arch}: tokenizer files of fixture {variant}, preprocess_cfg {config.get('preprocess_cfg')}", file=sys.stderr)
    with open(os.path.join(folder, "open_clip_config.json"), "w") as fh:
        json.dump(config, fh, indent=1)
    return config


def cosines(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("archs", nargs="*", default=["convnext_base_w", "coca_ViT-B-32"])
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data"))
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    launcher = os.path.join(here, "..", "clipmatch")
    vocab = os.path.join(args.data, "clip", "bpe_simple_vocab_16e6.txt.gz")
    fixtures = os.path.join(here, "..", "src", "test", "resources", "open_clip_hf")
    from PIL import Image
    for arch in args.archs:
        with tempfile.TemporaryDirectory() as tmp:
            folder = os.path.join(tmp, arch)
            os.makedirs(folder)
            model = open_clip.create_model(arch)
            sd = perturb(model, gen)
            config = hub_config(arch, fixtures, folder)
            safetensors.torch.save_file(sd, os.path.join(folder, "open_clip_model.safetensors"))
            model, _, preprocess = open_clip.create_model_and_transforms(f"local-dir:{folder}")
            tokenizer = open_clip.get_tokenizer(f"local-dir:{folder}")
            hf = bool(config["model_cfg"]["text_cfg"].get("hf_tokenizer_name"))
            assert hf == isinstance(tokenizer, open_clip.tokenizer.HFTokenizer), type(tokenizer)
            model.eval()
            with torch.no_grad():
                pixels = torch.stack([preprocess(Image.open(os.path.join(args.data, p)).convert("RGB")) for p in IMAGES])
                want_img = model.encode_image(pixels).numpy()
                ids = tokenizer(CAPTIONS)
                assert int(ids.max()) < config["model_cfg"]["text_cfg"].get("vocab_size", 49408), "token id past the vocabulary"
                want_txt = model.encode_text(ids).numpy()
            del model
            images = os.path.join(tmp, "images.txt")
            with open(images, "w") as fh:
                fh.write("\n".join(os.path.abspath(os.path.join(args.data, p)) for p in IMAGES) + "\n")
            texts = os.path.join(tmp, "texts.txt")
            with open(texts, "w") as fh:
                fh.write("\n".join(CAPTIONS) + "\n")
            got = {}
            for kind, path in (("images", images), ("texts", texts)):
                out = os.path.join(tmp, kind + ".npy")
                t0 = time.time()
                # a Hugging Face tokenizer is read from the model folder (--vocab would name another folder)
                subprocess.run([launcher, "embed", "--model", folder, "--" + kind, path, "--out", out]
                               + ([] if hf else ["--vocab", vocab])
                               + ["--threads", str(args.threads), "--cache-dir", os.path.join(tmp, "cache")],
                               check=True, stdout=subprocess.DEVNULL)
                got[kind] = np.load(out)
                print(f"{arch}: clipmatch embed --{kind}: {time.time() - t0:.1f}s", file=sys.stderr)
            params = sum(v.numel() for v in sd.values())
            print(f"{arch} ({params / 1e6:.0f}M parameters): image min cos {cosines(got['images'], want_img).min():.7f}, "
                  f"text min cos {cosines(got['texts'], want_txt).min():.7f}")


if __name__ == "__main__":
    main()
