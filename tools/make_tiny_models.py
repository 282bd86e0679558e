#!/usr/bin/env python3
"""Writes the tiny random CLIP fixtures for clipmatch's model tests (src/test/resources/model/).

One set of random weights, saved in the three checkpoint layouts clipmatch reads:
  tiny-openai.pt.gz           TorchScript archive scripted from a module with OpenAI's key names and
                              encode_image/encode_text methods, fp16 weights (like OpenAI's released .pt files)
  tiny-openclip.safetensors.gz  open_clip / OpenAI-layout state dict, float32
  tiny-hf/config.json + model.safetensors.gz  Hugging Face CLIPModel directory (q/k/v split, transposed
                              projections, pre_layrnorm), tensors alternately float16 and bfloat16
plus what PyTorch computes from them: pixels.npy (CLIP preprocessing of real photos at the tiny input size),
token_ids.npy (clip.tokenize of a few captions), image_embeds.npy, text_embeds.npy (raw encode_* outputs),
image_embeds_gelu.npy / text_embeds_gelu.npy (the same weights with nn.GELU instead of QuickGELU) and meta.json
(sizes, inputs, versions). The checkpoints are gzipped only to keep the repository small; the
tests unpack them before loading.

Every weight is rounded to 4 significant bits and kept away from fp16 subnormals, so float32, float16 and
bfloat16 hold the same values: the three files are the same model, and one set of references serves all three.
The token embedding keeps the real 49,408 x width shape; rows of ids the captions do not use repeat a small
table so that the file compresses (the model still sees a distinct, non-zero row for every id).

Usage: python3 tools/make_tiny_models.py [--data ../shared/data] [--out src/test/resources/model]
"""
import argparse
import copy
import gzip
import json
import os
import shutil
from collections import OrderedDict

import numpy as np
import PIL
import safetensors
import safetensors.torch
import torch
import torch.nn as nn
import torch.nn.functional as F
import transformers
from PIL import Image

VISION = dict(width=128, layers=2, mlp=256, patch=8, resolution=32)  # 2 heads: exercises the head split
TEXT = dict(width=64, layers=2, mlp=256, context=77, vocab=49408)
EMBED = 64
IMAGES = ["clip/CLIP.png", "coco/000000039769.png", "refs/jina_clip/man_piercing.jpg", "skimage/chelsea.png"]
CAPTIONS = ["a diagram", "a photo of a cat", "a photo of a dog",
            "The man with pierced ears is wearing glasses and an orange hat.",
            "Two cats laying on a pink blanket next to remote controls, one of them asleep.",
            "a"]
MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class LayerNorm(nn.LayerNorm):
    """OpenAI's LayerNorm: computed in float32 whatever the weights' type."""

    def forward(self, x):
        t = x.dtype
        return F.layer_norm(x.float(), self.normalized_shape, self.weight.float(), self.bias.float(), self.eps).to(t)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, d, heads, mlp, causal: bool):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, heads)
        self.ln_1 = LayerNorm(d)
        self.mlp = nn.Sequential(OrderedDict([("c_fc", nn.Linear(d, mlp)), ("gelu", QuickGELU()), ("c_proj", nn.Linear(mlp, d))]))
        self.ln_2 = LayerNorm(d)
        self.causal = causal

    def forward(self, x):  # x: [L, N, D] as in OpenAI's code
        y = self.ln_1(x)
        if self.causal:
            n = x.shape[0]
            mask = torch.full((n, n), float("-inf"), dtype=y.dtype).triu(1)
            x = x + self.attn(y, y, y, need_weights=False, attn_mask=mask)[0]
        else:
            x = x + self.attn(y, y, y, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class Transformer(nn.Module):
    def __init__(self, d, layers, mlp, causal):
        super().__init__()
        self.resblocks = nn.Sequential(*[ResidualAttentionBlock(d, d // 64, mlp, causal) for _ in range(layers)])

    def forward(self, x):
        return self.resblocks(x)


class VisionTransformer(nn.Module):
    def __init__(self, width, layers, mlp, patch, resolution, out):
        super().__init__()
        grid = resolution // patch
        self.conv1 = nn.Conv2d(3, width, patch, patch, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(width))
        self.positional_embedding = nn.Parameter(torch.randn(grid * grid + 1, width))
        self.ln_pre = LayerNorm(width)
        self.transformer = Transformer(width, layers, mlp, False)
        self.ln_post = LayerNorm(width)
        self.proj = nn.Parameter(torch.randn(width, out))

    def forward(self, x):
        x = self.conv1(x.to(self.conv1.weight.dtype))
        x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
        cls = self.class_embedding.to(x.dtype) + torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype)
        x = torch.cat([cls, x], dim=1) + self.positional_embedding.to(x.dtype)
        x = self.ln_pre(x).permute(1, 0, 2)
        x = self.transformer(x).permute(1, 0, 2)
        return self.ln_post(x[:, 0, :]) @ self.proj


class CLIP(nn.Module):
    def __init__(self):
        super().__init__()
        self.visual = VisionTransformer(VISION["width"], VISION["layers"], VISION["mlp"], VISION["patch"], VISION["resolution"], EMBED)
        self.transformer = Transformer(TEXT["width"], TEXT["layers"], TEXT["mlp"], True)
        self.token_embedding = nn.Embedding(TEXT["vocab"], TEXT["width"])
        self.positional_embedding = nn.Parameter(torch.randn(TEXT["context"], TEXT["width"]))
        self.ln_final = LayerNorm(TEXT["width"])
        self.text_projection = nn.Parameter(torch.randn(TEXT["width"], EMBED))
        self.logit_scale = nn.Parameter(torch.tensor(2.65625))  # ln(1/0.07) = 2.6593 rounded to be exact in fp16/bf16
        # OpenAI's archives carry these integer entries in their state dict too (build_model deletes them)
        self.register_buffer("input_resolution", torch.tensor(VISION["resolution"]))
        self.register_buffer("context_length", torch.tensor(TEXT["context"]))
        self.register_buffer("vocab_size", torch.tensor(TEXT["vocab"]))

    @torch.jit.export
    def encode_image(self, image):
        return self.visual(image)

    @torch.jit.export
    def encode_text(self, text):
        x = self.token_embedding(text) + self.positional_embedding
        x = self.transformer(x.permute(1, 0, 2)).permute(1, 0, 2)
        x = self.ln_final(x)
        return x[torch.arange(x.shape[0]), text.argmax(dim=-1)] @ self.text_projection

    def forward(self, image, text):
        return self.encode_image(image), self.encode_text(text)


def exact_in_all_dtypes(t):
    """Random values with 4 significant bits and no fp16 subnormals: identical in fp32, fp16 and bf16."""
    m, e = torch.frexp(t)
    t = torch.ldexp(torch.round(m * 16) / 16, e)
    t[t.abs() < 2 ** -13] = 0
    return t


def init_weights(model, used_ids, seed=1234):
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name == "logit_scale":
                continue
            if ".ln_" in name or name.startswith("ln_"):
                base = 1.0 if name.endswith("weight") else 0.0
                p.copy_(base + 0.1 * torch.randn(p.shape, generator=gen))
            elif name == "token_embedding.weight":
                table = 0.05 * torch.randn(31, p.shape[1], generator=gen)
                p.copy_(table[torch.arange(p.shape[0]) % 31])
                ids = torch.tensor(sorted(used_ids))
                p[ids] = 0.05 * torch.randn(len(ids), p.shape[1], generator=gen)
            else:
                fan_in = p.shape[-1] if p.dim() > 1 else 64
                if name.endswith("proj") or name.endswith("projection"):
                    fan_in = p.shape[0]
                if "conv1" in name:
                    fan_in = p[0].numel()
                scale = 0.3 if p.dim() == 1 else 1.0 / np.sqrt(fan_in)
                p.copy_(scale * torch.randn(p.shape, generator=gen))
            p.copy_(exact_in_all_dtypes(p.detach().clone()))


# --- inputs: openai/CLIP preprocessing and tokenizer, written out here so the fixtures need no CLIP install ---

def preprocess(path, n):
    img = Image.open(path)
    w, h = img.size
    short, long_ = (w, h) if w <= h else (h, w)
    new_short, new_long = n, int(n * long_ / short)
    img = img.resize((new_short, new_long) if w <= h else (new_long, new_short), Image.BICUBIC)
    w, h = img.size
    left, top = int(round((w - n) / 2.0)), int(round((h - n) / 2.0))
    img = img.crop((left, top, left + n, top + n)).convert("RGB")
    x = torch.from_numpy(np.asarray(img, dtype=np.float32) / 255.0).permute(2, 0, 1)
    return (x - torch.tensor(MEAN).view(3, 1, 1)) / torch.tensor(STD).view(3, 1, 1)


def tokenize(texts, data):
    tok = transformers.CLIPTokenizer(os.path.join(data, "clip/hf_tokenizer/vocab.json"), os.path.join(data, "clip/hf_tokenizer/merges.txt"))
    out = torch.zeros(len(texts), TEXT["context"], dtype=torch.long)
    for i, t in enumerate(texts):
        ids = tok(t)["input_ids"]
        out[i, : len(ids)] = torch.tensor(ids)
    return out


def to_hf(sd):
    """OpenAI key names -> Hugging Face CLIPModel key names (q/k/v split, projections transposed)."""
    hf = {}

    def layers(src, dst, n):
        for i in range(n):
            s, d = f"{src}.resblocks.{i}.", f"{dst}.encoder.layers.{i}."
            for j, part in enumerate("qkv"):
                w = sd[s + "attn.in_proj_weight"].chunk(3)[j]
                b = sd[s + "attn.in_proj_bias"].chunk(3)[j]
                hf[d + f"self_attn.{part}_proj.weight"], hf[d + f"self_attn.{part}_proj.bias"] = w, b
            for a, b in [("attn.out_proj", "self_attn.out_proj"), ("ln_1", "layer_norm1"), ("ln_2", "layer_norm2"),
                         ("mlp.c_fc", "mlp.fc1"), ("mlp.c_proj", "mlp.fc2")]:
                hf[d + b + ".weight"], hf[d + b + ".bias"] = sd[s + a + ".weight"], sd[s + a + ".bias"]

    layers("transformer", "text_model", TEXT["layers"])
    layers("visual.transformer", "vision_model", VISION["layers"])
    hf["text_model.embeddings.token_embedding.weight"] = sd["token_embedding.weight"]
    hf["text_model.embeddings.position_embedding.weight"] = sd["positional_embedding"]
    for s in ("weight", "bias"):
        hf[f"text_model.final_layer_norm.{s}"] = sd[f"ln_final.{s}"]
        hf[f"vision_model.pre_layrnorm.{s}"] = sd[f"visual.ln_pre.{s}"]
        hf[f"vision_model.post_layernorm.{s}"] = sd[f"visual.ln_post.{s}"]
    hf["vision_model.embeddings.class_embedding"] = sd["visual.class_embedding"]
    hf["vision_model.embeddings.patch_embedding.weight"] = sd["visual.conv1.weight"]
    hf["vision_model.embeddings.position_embedding.weight"] = sd["visual.positional_embedding"]
    hf["visual_projection.weight"] = sd["visual.proj"].t()
    hf["text_projection.weight"] = sd["text_projection"].t()
    hf["logit_scale"] = sd["logit_scale"]
    return {k: v.contiguous() for k, v in hf.items()}


def gzip_file(src, dst):
    with open(src, "rb") as f, gzip.GzipFile(dst, "wb", compresslevel=9, mtime=0) as g:
        shutil.copyfileobj(f, g)
    os.remove(src)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--out", default="src/test/resources/model")
    args = ap.parse_args()
    torch.manual_seed(0)
    os.makedirs(args.out, exist_ok=True)

    ids = tokenize(CAPTIONS, args.data)
    pixels = torch.stack([preprocess(os.path.join(args.data, p), VISION["resolution"]) for p in IMAGES])
    model = CLIP().eval()
    init_weights(model, set(ids.flatten().tolist()))
    sd = {k: v.detach().clone() for k, v in model.state_dict().items()}

    with torch.no_grad():
        img_ref = model.encode_image(pixels)
        txt_ref = model.encode_text(ids)
        # trimming to the longest caption must not change anything (causal mask): a check on the reference itself
        longest = int((ids != 0).sum(1).max())
        assert longest < TEXT["context"]

    # 1. TorchScript, fp16 weights, OpenAI key names
    scripted = torch.jit.script(copy.deepcopy(model))
    with torch.no_grad():
        assert torch.allclose(scripted.encode_image(pixels), img_ref, atol=1e-5)
        assert torch.allclose(scripted.encode_text(ids), txt_ref, atol=1e-5)
    half = torch.jit.script(copy.deepcopy(model).half())
    assert all(torch.equal(p.float(), sd[n].float()) for n, p in half.state_dict().items())
    tmp = os.path.join(args.out, "tiny-openai.pt")
    torch.jit.save(half, tmp)
    gzip_file(tmp, tmp + ".gz")

    # 2. open_clip layout safetensors, float32
    tmp = os.path.join(args.out, "tiny-openclip.safetensors")
    safetensors.torch.save_file({k: v.contiguous() for k, v in sd.items()}, tmp, metadata={"format": "pt"})
    gzip_file(tmp, tmp + ".gz")

    # 3. Hugging Face CLIPModel directory; checked by loading it with transformers itself
    hf_dir = os.path.join(args.out, "tiny-hf")
    os.makedirs(hf_dir, exist_ok=True)
    config = transformers.CLIPConfig(
        text_config=dict(vocab_size=TEXT["vocab"], hidden_size=TEXT["width"], intermediate_size=TEXT["mlp"],
                         num_attention_heads=TEXT["width"] // 64, num_hidden_layers=TEXT["layers"],
                         max_position_embeddings=TEXT["context"], hidden_act="quick_gelu", layer_norm_eps=1e-5,
                         bos_token_id=49406, eos_token_id=49407, pad_token_id=1),
        vision_config=dict(hidden_size=VISION["width"], intermediate_size=VISION["mlp"],
                           num_attention_heads=VISION["width"] // 64, num_hidden_layers=VISION["layers"],
                           image_size=VISION["resolution"], patch_size=VISION["patch"], hidden_act="quick_gelu",
                           layer_norm_eps=1e-5),
        projection_dim=EMBED)
    hf = to_hf(sd)
    dtypes = [torch.float16, torch.bfloat16]
    mixed = {k: v.to(dtypes[i % 2]) for i, (k, v) in enumerate(sorted(hf.items()))}
    assert all(torch.equal(mixed[k].float(), hf[k]) for k in hf)
    hf_model = transformers.CLIPModel(config).eval()
    missing, unexpected = hf_model.load_state_dict(hf, strict=False)
    assert not unexpected and all("position_ids" in m for m in missing), (missing, unexpected)
    with open(os.path.join(hf_dir, "config.json"), "w") as f:
        f.write(config.to_json_string())
    safetensors.torch.save_file(mixed, os.path.join(hf_dir, "model.safetensors"), metadata={"format": "pt"})
    reloaded = transformers.CLIPModel.from_pretrained(hf_dir, torch_dtype=torch.float32).eval()
    with torch.no_grad():
        out = reloaded(input_ids=ids, pixel_values=pixels, attention_mask=(ids != 0).long())
    hf_img_err = float((out.image_embeds - F.normalize(img_ref, dim=-1)).abs().max())
    hf_txt_err = float((out.text_embeds - F.normalize(txt_ref, dim=-1)).abs().max())
    assert hf_img_err < 1e-5 and hf_txt_err < 1e-5, (hf_img_err, hf_txt_err)
    gzip_file(os.path.join(hf_dir, "model.safetensors"), os.path.join(hf_dir, "model.safetensors.gz"))

    # the same weights with nn.GELU (open_clip's default for non-OpenAI models), for the activation switch
    gelu_model = copy.deepcopy(model)
    for blk in list(gelu_model.visual.transformer.resblocks) + list(gelu_model.transformer.resblocks):
        blk.mlp.gelu = nn.GELU()
    with torch.no_grad():
        np.save(os.path.join(args.out, "image_embeds_gelu.npy"), gelu_model.encode_image(pixels).numpy().astype(np.float32))
        np.save(os.path.join(args.out, "text_embeds_gelu.npy"), gelu_model.encode_text(ids).numpy().astype(np.float32))

    np.save(os.path.join(args.out, "pixels.npy"), pixels.numpy().astype(np.float32))
    np.save(os.path.join(args.out, "token_ids.npy"), ids.numpy().astype(np.int64))
    np.save(os.path.join(args.out, "image_embeds.npy"), img_ref.numpy().astype(np.float32))
    np.save(os.path.join(args.out, "text_embeds.npy"), txt_ref.numpy().astype(np.float32))
    logits = float(model.logit_scale.detach().exp()) * F.normalize(img_ref, dim=-1) @ F.normalize(txt_ref, dim=-1).t()
    meta = {
        "generator": "tools/make_tiny_models.py",
        "vision": VISION, "text": TEXT, "embed_dim": EMBED,
        "vision_heads": VISION["width"] // 64, "text_heads": TEXT["width"] // 64,
        "logit_scale": float(model.logit_scale.detach()),
        "images": IMAGES, "captions": CAPTIONS,
        "logits_per_image": logits.tolist(),
        "hf_transformers_check_max_abs_error": {"image_embeds": hf_img_err, "text_embeds": hf_txt_err},
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "safetensors": safetensors.__version__, "numpy": np.__version__, "pillow": PIL.__version__},
    }
    with open(os.path.join(args.out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    total = sum(os.path.getsize(os.path.join(d, x)) for d, _, fs in os.walk(args.out) for x in fs)
    print(f"wrote {args.out} ({total / 1e6:.2f} MB); HF check max abs error image {hf_img_err:.2e}, text {hf_txt_err:.2e}")


if __name__ == "__main__":
    main()
