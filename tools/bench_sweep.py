#!/usr/bin/env python3
"""Overhead of `clipmatch sweep` beyond encoding (issue 6): the tiny fixture model on a synthetic set of 1,000
JPEG images with 5 captions each, sample sizes 10,100,1000 x 1,000 iterations. Prints the phase breakdown from
report.json and the overhead as a share of encoding time.

  python3 tools/bench_sweep.py [--model tiny|vit-b-32] [--images 1000] [--iterations 1000] [--out target/bench-sweep]

--model vit-b-32 uses a ViT-B/32-sized CLIP with random weights (tools/bench_model.py builds it with transformers;
speed does not depend on the values), for the overhead's share under a real model's encoding cost.

Needs the shared test data (for the tokenizer vocabulary): CLIPMATCH_TEST_DATA or ../shared/data.
"""
import argparse
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import time

from PIL import Image, ImageDraw

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDS = "a the man woman dog cat child red blue green small large runs sits jumps near under on beach street park ball car tree water".split()


def make_images(folder, n, seed=0):
    rng = random.Random(seed)
    os.makedirs(folder, exist_ok=True)
    lines = []
    for i in range(n):
        path = os.path.join(folder, f"img{i:05d}.jpg")
        if not os.path.exists(path):
            w, h = rng.choice([(500, 375), (375, 500), (500, 333), (640, 480)])
            im = Image.new("RGB", (w, h), tuple(rng.randrange(256) for _ in range(3)))
            d = ImageDraw.Draw(im)
            for _ in range(12):
                box = sorted(rng.randrange(w) for _ in range(2)) + sorted(rng.randrange(h) for _ in range(2))
                d.rectangle((box[0], box[2], box[1], box[3]), fill=tuple(rng.randrange(256) for _ in range(3)))
            im.save(path, quality=90)
        for k in range(5):
            caption = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16)))
            lines.append(json.dumps({"image": os.path.basename(path), "caption": caption}))
    data = os.path.join(folder, "captions.jsonl")
    with open(data, "w") as f:
        f.write("\n".join(lines) + "\n")
    return data


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", choices=["tiny", "vit-b-32"], default="tiny")
    ap.add_argument("--images", type=int, default=1000)
    ap.add_argument("--iterations", type=int, default=1000)
    ap.add_argument("--out", default=os.path.join(REPO, "target", "bench-sweep"))
    args = ap.parse_args()
    shared = os.environ.get("CLIPMATCH_TEST_DATA", os.path.join(REPO, "..", "shared", "data"))
    vocab = os.path.join(shared, "clip", "bpe_simple_vocab_16e6.txt.gz")
    if args.model == "tiny":
        model_dir = os.path.join(args.out, "model")
        os.makedirs(model_dir, exist_ok=True)
        model = os.path.join(model_dir, "tiny.pt")
        with gzip.open(os.path.join(REPO, "src/test/resources/model/tiny-openai.pt.gz")) as src, open(model, "wb") as dst:
            shutil.copyfileobj(src, dst)
    else:
        sys.path.insert(0, os.path.join(REPO, "tools"))
        from bench_model import hf_model
        model = hf_model(os.path.join(args.out, "vit-b-32"))
    data = make_images(os.path.join(args.out, "images"), args.images)
    cache = os.path.join(args.out, "cache")
    shutil.rmtree(cache, ignore_errors=True)
    cmd = [os.path.join(REPO, "clipmatch"), "sweep", "--model", model, "--vocab", vocab, "--dataset", data, "--sample-images", "10,100,1000",
           "--iterations", str(args.iterations), "--out", os.path.join(args.out, "run"), "--cache-dir", cache]
    rows = []
    for label in ("cold (encode everything)", "warm (all from the cache)"):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        report = json.load(open(os.path.join(args.out, "run", "report.json")))
        rows.append((label, wall, report["run"]["seconds"]))
    print(f"\n{args.images} images x 5 captions, {args.model} model, sample sizes 10,100,1000 x {args.iterations} iterations\n")
    phases = list(rows[0][2])
    print("| phase | " + " | ".join(r[0] for r in rows) + " |")
    print("|---|" + "---|" * len(rows))
    for p in phases:
        print(f"| {p} | " + " | ".join(f"{r[2].get(p, 0):.3f} s" for r in rows) + " |")
    print("| process wall time (JVM start, model load included) | " + " | ".join(f"{r[1]:.2f} s" for r in rows) + " |")
    cold = rows[0][2]
    encode = cold["encode_images"] + cold["encode_texts"]
    overhead = sum(v for k, v in cold.items() if k not in ("encode_images", "encode_texts"))
    print(f"\noverhead beyond encoding (cold run): {overhead:.3f} s = {100 * overhead / encode:.1f}% of the {encode:.3f} s of encoding")


if __name__ == "__main__":
    main()
