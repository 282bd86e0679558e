#!/usr/bin/env python3
"""CPU throughput of clipmatch's CLIP encoders against Hugging Face transformers' CLIPModel (PyTorch eager),
same machine, same thread count, same inputs, one run.

Weights: a ViT-B/32-sized CLIPModel with random weights (the real ones cannot be downloaded here; speed does not
depend on the values), saved once as a Hugging Face directory that both sides load. Inputs: random pixels
[N, 3, 224, 224]; the first K captions of the Flickr30K Karpathy test split, tokenized by CLIP's tokenizer and
zero-padded to 77 like clip.tokenize. Peers for captions: HF on the 77-padded ids (what clip.tokenize gives) and
HF on ids padded to the longest caption of each batch (tokenizer padding=True).

Usage: python3 tools/bench_model.py [--threads 2] [--images 32] [--captions 256] [--batch-size 32]
       [--data ../shared/data] [--work /tmp/clipmatch-bench]
Each side runs `--warmup` untimed batches, then `--repeats` passes over its inputs, and reports the best pass
(the machine may be shared). Prints a table and one JSON line with the figures and ratios.
"""
import argparse
import json
import os
import platform
import subprocess
import time

import numpy as np
import torch
import transformers

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def hf_model(work):
    d = os.path.join(work, "vit-b-32-random-hf")
    if not os.path.exists(os.path.join(d, "model.safetensors")):
        torch.manual_seed(0)
        cfg = transformers.CLIPConfig(
            text_config=dict(hidden_size=512, intermediate_size=2048, num_attention_heads=8, num_hidden_layers=12,
                             max_position_embeddings=77, vocab_size=49408, hidden_act="quick_gelu",
                             bos_token_id=49406, eos_token_id=49407),
            vision_config=dict(hidden_size=768, intermediate_size=3072, num_attention_heads=12, num_hidden_layers=12,
                               image_size=224, patch_size=32, hidden_act="quick_gelu"),
            projection_dim=512)
        transformers.CLIPModel(cfg).save_pretrained(d, safe_serialization=True)
    return d


def captions(data, k):
    with open(os.path.join(data, "flickr30k/flickr30k_karpathy_test.json")) as f:
        items = json.load(f)
    caps = [c for it in items for c in it["captions"]]
    return caps[:k]


def best_rate(fn, batches, count, warmup, repeats):
    """Items/s of the best of `repeats` passes after `warmup` untimed batches (the machine is shared: noisy)."""
    for w in range(warmup):
        fn(batches[w % len(batches)])
    best = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        for b in batches:
            fn(b)
        best = max(best, count / (time.perf_counter() - t0))
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--images", type=int, default=32)
    ap.add_argument("--captions", type=int, default=256)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--data", default="../shared/data")
    ap.add_argument("--work", default="/tmp/clipmatch-bench")
    ap.add_argument("--bench", default=os.path.join(REPO, "tools", "bench"), help="runner of the bench commands")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--keep-openblas-env", action="store_true")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    torch.set_num_threads(args.threads)
    model_dir = hf_model(args.work)

    tok = transformers.CLIPTokenizer(os.path.join(args.data, "clip/hf_tokenizer/vocab.json"),
                                     os.path.join(args.data, "clip/hf_tokenizer/merges.txt"))
    caps = captions(args.data, args.captions)
    ids77 = np.zeros((len(caps), 77), dtype=np.int64)
    for i, c in enumerate(caps):
        t = tok(c, truncation=True, max_length=77)["input_ids"]
        ids77[i, : len(t)] = t
    ids_path = os.path.join(args.work, "flickr30k_ids.npy")
    np.save(ids_path, ids77)
    mean_len = float((ids77 != 0).sum(1).mean())

    model = transformers.CLIPModel.from_pretrained(model_dir, attn_implementation="eager").eval()
    bs = args.batch_size
    pixels = torch.randn(args.images, 3, 224, 224, generator=torch.Generator().manual_seed(0))
    img_batches = [pixels[i:i + bs] for i in range(0, args.images, bs)]
    t77 = torch.from_numpy(ids77)
    cap_batches = [t77[i:i + bs] for i in range(0, len(caps), bs)]
    longest = []
    for b in cap_batches:
        n = int((b != 0).sum(1).max())
        longest.append(b[:, :n])
    with torch.inference_mode():
        rate = lambda fn, batches, n: best_rate(fn, batches, n, args.warmup, args.repeats)
        hf_img = rate(lambda b: model.get_image_features(pixel_values=b), img_batches, args.images)
        text = lambda b: model.get_text_features(input_ids=b, attention_mask=(b != 0).long())
        hf_cap77 = rate(text, cap_batches, len(caps))
        hf_caplong = rate(text, longest, len(caps))
    del model

    def java(extra):
        cmd = [args.bench, "bench-model", "--model", model_dir, "--batch-size", str(bs), "--threads", str(args.threads),
               "--repeats", str(args.repeats), "--warmup", str(args.warmup)] + extra
        # This sandbox exports OPENBLAS_CORETYPE=Haswell (and an L2 size), which pins OpenBLAS to AVX2 kernels on
        # AVX-512 CPUs; clipmatch runs with OpenBLAS's own CPU detection, as on a normal machine (--keep-openblas-env
        # to measure with them). The PyTorch peer uses MKL and is unaffected.
        env = dict(os.environ)
        if not args.keep_openblas_env:
            for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
                env.pop(k, None)
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
        return json.loads(out.strip().splitlines()[-1])

    j = java(["--images", str(args.images), "--token-ids", ids_path])
    js = java(["--images", "0", "--token-ids", ids_path, "--sort-by-length"])

    rows = [
        ("images/s", j["images_per_s"], hf_img),
        ("captions/s (HF 77-padded)", j["captions_per_s"], hf_cap77),
        ("captions/s (HF padded to batch longest)", j["captions_per_s"], hf_caplong),
        ("captions/s sorted by length (HF 77-padded)", js["captions_per_s"], hf_cap77),
    ]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, threads={args.threads}, "
          f"batch={bs}, best of {args.repeats} passes, images={args.images}, captions={len(caps)} (mean {mean_len:.1f} tokens), torch {torch.__version__}, "
          f"transformers {transformers.__version__}")
    print(f"{'metric':46s} {'clipmatch':>10s} {'HF eager':>10s} {'ratio':>7s}")
    for name, ours, peer in rows:
        print(f"{name:46s} {ours:10.2f} {peer:10.2f} {ours / peer:7.2f}x")
    print(json.dumps({"threads": args.threads, "batch_size": bs, "images": args.images, "captions": len(caps),
                      "mean_tokens": mean_len, "rows": [{"metric": n, "clipmatch": o, "hf": p, "ratio": o / p} for n, o, p in rows]}))


if __name__ == "__main__":
    main()
