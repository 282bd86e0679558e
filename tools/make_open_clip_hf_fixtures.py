#!/usr/bin/env python3
"""Writes the open_clip oracle fixtures of SigLIP, SigLIP 2 and CLIPA models (src/test/resources/open_clip_hf/).

Like tools/make_open_clip_fixtures.py (same images, captions, weight rounding and hub layout), for the models whose
text side uses a Hugging Face tokenizer (text_cfg.hf_tokenizer_name) and, for SigLIP, a timm ViT image tower:

  <variant>/open_clip_config.json            {"model_cfg": ..., "preprocess_cfg": ...}
  <variant>/tokenizer.json, tokenizer_config.json   as hub folders ship them beside the config
  <variant>/open_clip_model.safetensors.gz   the state dict (gzipped only to keep the repository small)
  <variant>/open_clip_pytorch_model.bin.gz   the same state dict saved by torch.save (some variants)
  <variant>/image_embeds.npy, text_embeds.npy, token_ids.npy (of CAPTIONS), probs.npy (sigmoid/softmax of logits)
  <variant>/tokenizer_ids.npy                open_clip's ids of TOKEN_TEXTS (cleaning, truncation, padding cases)
  siglip2/tokenizer_ids_default_flags.npy    the same with add_bos_token/add_eos_token left to the Gemma class defaults

No network: the tokenizers are trained here with the `tokenizers` library on a small corpus, in the styles of the
real ones (a Unigram/SentencePiece T5 tokenizer for SigLIP, a Gemma-style BPE for SigLIP 2, BERT's WordPiece for
CLIPA), and open_clip's own HFTokenizer loads them from the folder (get_tokenizer("local-dir:...")). transformers 5
rebuilds the pipeline of some tokenizer classes around the vocabulary (T5 drops the normalizer, Gemma adds its own
pre-tokenizer), so each folder's tokenizer.json is the one transformers runs (saved from its backend tokenizer).
The trainers order equal-frequency tokens differently from run to run, so a rerun writes another, equally
consistent set (tokenizer files, ids and text embeddings change together; weights and image embeddings do not).

The timm trunks are the real ones by name (timm_model_name), narrowed while this script runs: timm.create_model is
wrapped so that the named SigLIP ViT gets a width of 4 x its head count and 2 blocks; its head count, activation,
patch size, input size and MAP pool stay timm's. open_clip builds and loads the model back under the same wrapper.

Usage: python3 tools/make_open_clip_hf_fixtures.py [--data ../shared/data] [--out src/test/resources/open_clip_hf]
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
import safetensors.torch
import timm
import tokenizers
import torch
import transformers
from PIL import Image
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

import open_clip
from make_open_clip_fixtures import CAPTIONS, IMAGES, gz, round_bits, write_config

TOKEN_TEXTS = CAPTIONS + [
    "A Photo of a CAT!!", "under_score, (punctuation); &amp;amp; entities", "naïve café — Ünïcödé ΣΑΣ",
    "  spaces\tand\nnewlines  ", "ｆｕｌｌ ｗｉｄｔｈ", "emoji 😀 and ☃", "", "...",
    "a very long caption about a dog that runs along the beach with a red ball in its mouth while two children watch",
]
CORPUS = CAPTIONS + TOKEN_TEXTS + [
    "a photo of a dog", "a cat sitting on a sofa", "two dogs playing in the snow", "a man wearing a hat",
    "children climbing the stairs of a house", "a red ball on the grass", "the beach at sunset with waves",
    "a woman in a blue dress", "people walking in the city", "a bird flying over the water",
]


def siglip_tokenizer(folder):
    """SigLIP's style: T5's SentencePiece Unigram, metaspace, '</s>' appended, padded with '</s>'."""
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.train_from_iterator(CORPUS, trainers.UnigramTrainer(vocab_size=180, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>"))
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", tok.token_to_id("</s>"))])
    tok.save(os.path.join(folder, "tokenizer.json"))
    return {"tokenizer_class": "T5Tokenizer", "eos_token": "</s>", "pad_token": "</s>", "unk_token": "<unk>", "extra_ids": 0,
            "model_max_length": 1000000}


def gemma_tokenizer(folder):
    """SigLIP 2's style: Gemma's byte-pair encoding over '▁'-joined words, '<eos>' appended, padded with '<pad>'."""
    tok = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=True))
    tok.normalizer = normalizers.Replace(" ", "\u2581")
    tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.Fuse()])
    tok.train_from_iterator(CORPUS, trainers.BpeTrainer(vocab_size=200, special_tokens=["<pad>", "<eos>", "<bos>", "<unk>"]))
    tok.post_processor = processors.TemplateProcessing(single="$A <eos>", special_tokens=[("<eos>", tok.token_to_id("<eos>"))])
    tok.save(os.path.join(folder, "tokenizer.json"))
    return {"tokenizer_class": "GemmaTokenizer", "bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>", "unk_token": "<unk>",
            "add_bos_token": False, "add_eos_token": True, "model_max_length": 1000000}


def bert_tokenizer(folder):
    """CLIPA's bert-base-uncased style: BERT normalisation (lower case, accents stripped), WordPiece, [CLS] ... [SEP]."""
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    tok.train_from_iterator(CORPUS, trainers.WordPieceTrainer(vocab_size=220, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]))
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", tok.token_to_id("[CLS]")),
                                                                                               ("[SEP]", tok.token_to_id("[SEP]"))])
    tok.save(os.path.join(folder, "tokenizer.json"))
    return {"tokenizer_class": "BertTokenizer", "do_lower_case": True, "cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]",
            "unk_token": "[UNK]", "mask_token": "[MASK]", "model_max_length": 1000000}


SIGLIP_TEXT = {"context_length": 16, "vocab_size": 180, "hf_tokenizer_name": "timm/ViT-B-16-SigLIP", "tokenizer_kwargs": {"clean": "canonicalize"},
               "width": 32, "heads": 2, "layers": 2, "no_causal_mask": True, "proj_bias": True, "pool_type": "last", "norm_kwargs": {"eps": 1e-6}}
SIGLIP_VISION = {"image_size": 224, "timm_model_name": "vit_base_patch16_siglip_224", "timm_model_pretrained": False, "timm_pool": "map",
                 "timm_proj": "none"}

# name -> (model_cfg, tokenizer writer, preprocess_cfg, write the .bin form too)
VARIANTS = {
    "siglip": ({"embed_dim": 48, "init_logit_bias": -10, "custom_text": True, "vision_cfg": SIGLIP_VISION, "text_cfg": SIGLIP_TEXT},
               siglip_tokenizer, {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "interpolation": "bicubic", "resize_mode": "squash"}, True),
    "siglip2": ({"embed_dim": 48, "init_logit_bias": -10, "custom_text": True,
                 "vision_cfg": dict(SIGLIP_VISION, image_size=256, timm_model_name="vit_base_patch32_siglip_256"),
                 "text_cfg": dict(SIGLIP_TEXT, vocab_size=200, hf_tokenizer_name="timm/ViT-B-32-SigLIP2-256", act_kwargs={"approximate": "tanh"})},
                gemma_tokenizer, {"mean": [0.5, 0.5, 0.5], "std": [0.5, 0.5, 0.5], "interpolation": "bilinear", "resize_mode": "squash"}, False),
    "siglip-so400m": ({"embed_dim": 64, "init_logit_bias": -10, "custom_text": True,
                       "vision_cfg": dict(SIGLIP_VISION, timm_model_name="vit_so400m_patch14_siglip_224"),
                       "text_cfg": dict(SIGLIP_TEXT, width=64, heads=4, mlp_ratio=3.7362)},
                      siglip_tokenizer, None, False),
    "clipa": ({"embed_dim": 24,
               "vision_cfg": {"image_size": 32, "layers": 2, "width": 32, "head_width": 16, "patch_size": 8, "no_ln_pre": True,
                              "pool_type": "avg", "final_ln_after_pool": True},
               "text_cfg": {"context_length": 16, "vocab_size": 220, "hf_tokenizer_name": "bert-base-uncased",
                            "tokenizer_kwargs": {"strip_sep_token": True}, "width": 32, "heads": 2, "layers": 2, "pool_type": "last",
                            "no_causal_mask": True}},
              bert_tokenizer, None, True),
}

_create_model = timm.create_model


def narrow_siglip_trunks(name, *args, **kwargs):
    """timm.create_model with a SigLIP ViT narrowed to width 4 x heads and 2 blocks (see the module docstring)."""
    if "_siglip_" in name:
        with torch.device("meta"):
            full = _create_model(name, pretrained=False)
        kwargs = dict(kwargs, embed_dim=4 * full.blocks[0].attn.num_heads, depth=2)
    return _create_model(name, *args, **kwargs)


def randomise(model, rng, vocab):
    sd = model.state_dict()
    out = {}
    for k, v in sd.items():
        if k.endswith("logit_scale"):
            out[k] = torch.tensor([2.25]).reshape(v.shape)  # exp: 9.49; scale and bias keep the sigmoids away from 0 and 1
        elif k.endswith("logit_bias"):
            out[k] = torch.tensor([-1.5]).reshape(v.shape)
        else:
            scale = 0.3 if v.ndim <= 1 else 1.0 / max(1.0, np.sqrt(v.shape[-1]))
            gain = ("ln_" in k or "norm" in k) and k.endswith(".weight")  # norm gains near 1
            out[k] = round_bits(v * 0 + (1.0 if gain else 0.0) + torch.from_numpy(rng.normal(0, scale, tuple(v.shape)).astype(np.float32)))
    assert all(v.shape[0] == vocab for k, v in out.items() if k.endswith("token_embedding.weight"))
    return {k: v.half().contiguous() for k, v in out.items()}


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "shared", "data"))
    ap.add_argument("--out", default=os.path.join(here, "..", "src", "test", "resources", "open_clip_hf"))
    args = ap.parse_args()
    timm.create_model = narrow_siglip_trunks
    open_clip.timm_model.timm.create_model = narrow_siglip_trunks
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    if os.path.isdir(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    pil_images = [Image.open(os.path.join(args.data, p)).convert("RGB") for p in IMAGES]
    for name, (cfg, write_tokenizer, pp, with_bin) in VARIANTS.items():
        with tempfile.TemporaryDirectory() as tmp:
            write_config(tmp, cfg, pp)
            with open(os.path.join(tmp, "tokenizer_config.json"), "w") as fh:
                json.dump(write_tokenizer(tmp), fh, indent=1)
            # transformers 5 rebuilds some classes' pipelines (T5: no normalizer; Gemma: its own pre-tokenizer): the
            # folder holds the tokenizer.json it runs, as its save_pretrained would write it
            transformers.AutoTokenizer.from_pretrained(tmp).backend_tokenizer.save(os.path.join(tmp, "tokenizer.json"))
            model = open_clip.create_model(f"local-dir:{tmp}")
            sd = randomise(model, rng, cfg["text_cfg"]["vocab_size"])
            safetensors.torch.save_file(sd, os.path.join(tmp, "open_clip_model.safetensors"))
            model, _, preprocess = open_clip.create_model_and_transforms(f"local-dir:{tmp}")
            tokenizer = open_clip.get_tokenizer(f"local-dir:{tmp}")
            assert isinstance(tokenizer, open_clip.tokenizer.HFTokenizer)
            model.eval()
            with torch.no_grad():
                pixels = torch.stack([preprocess(im) for im in pil_images])
                ids = tokenizer(CAPTIONS)
                token_ids = tokenizer(TOKEN_TEXTS)
                img = model.encode_image(pixels)
                txt = model.encode_text(ids)
                logits = model.logit_scale.exp() * torch.nn.functional.normalize(img, dim=-1) @ torch.nn.functional.normalize(txt, dim=-1).T
                probs = torch.sigmoid(logits + model.logit_bias) if model.logit_bias is not None else logits.softmax(dim=-1)
            out = os.path.join(args.out, name)
            os.makedirs(out)
            for f in ("open_clip_config.json", "tokenizer.json", "tokenizer_config.json"):
                shutil.copyfile(os.path.join(tmp, f), os.path.join(out, f))
            gz(os.path.join(tmp, "open_clip_model.safetensors"), os.path.join(out, "open_clip_model.safetensors.gz"))
            if with_bin:
                torch.save(sd, os.path.join(tmp, "open_clip_pytorch_model.bin"))
                gz(os.path.join(tmp, "open_clip_pytorch_model.bin"), os.path.join(out, "open_clip_pytorch_model.bin.gz"))
            np.save(os.path.join(out, "image_embeds.npy"), img.numpy().astype(np.float32))
            np.save(os.path.join(out, "text_embeds.npy"), txt.numpy().astype(np.float32))
            np.save(os.path.join(out, "probs.npy"), probs.numpy().astype(np.float32))
            np.save(os.path.join(out, "token_ids.npy"), ids.numpy().astype(np.int64))
            np.save(os.path.join(out, "tokenizer_ids.npy"), token_ids.numpy().astype(np.int64))
            if write_tokenizer is gemma_tokenizer:
                # transformers builds a Gemma tokenizer's special tokens from add_bos_token (default true) and
                # add_eos_token (default false), whatever tokenizer.json says: open_clip's ids without those keys
                with open(os.path.join(tmp, "tokenizer_config.json")) as fh:
                    tc = json.load(fh)
                tc.pop("add_bos_token")
                tc.pop("add_eos_token")
                with open(os.path.join(tmp, "tokenizer_config.json"), "w") as fh:
                    json.dump(tc, fh, indent=1)
                default_flags = open_clip.get_tokenizer(f"local-dir:{tmp}")(TOKEN_TEXTS)
                np.save(os.path.join(out, "tokenizer_ids_default_flags.npy"), default_flags.numpy().astype(np.int64))
            print(f"{name}: image {tuple(img.shape)}, text {tuple(txt.shape)}, ids {token_ids[-1].tolist()}")
    meta = {
        "images": IMAGES, "captions": CAPTIONS, "token_texts": TOKEN_TEXTS,
        "variants": {k: {"config": v[0], "tokenizer": v[1].__name__, "preprocess_cfg": v[2], "bin": v[3]} for k, v in VARIANTS.items()},
        "versions": {"open_clip": open_clip.__version__, "timm": timm.__version__, "torch": torch.__version__, "numpy": np.__version__,
                     "transformers": transformers.__version__, "tokenizers": tokenizers.__version__, "pillow": PIL.__version__,
                     "safetensors": safetensors.__version__},
    }
    with open(os.path.join(args.out, "meta.json"), "w") as fh:
        json.dump(meta, fh, indent=1, ensure_ascii=False)
        fh.write("\n")


if __name__ == "__main__":
    main()
