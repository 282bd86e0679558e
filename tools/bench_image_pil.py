#!/usr/bin/env python3
"""PIL + numpy peer of dev.clipmatch.image.ImageBench: images/s of the reference CLIP preprocessing
(Image.open(p).convert("RGB"), Resize(S, BICUBIC) shorter side, CenterCrop(S), /255, normalise, CHW float32)
of the JPEGs in a directory; 1 thread = a plain loop, N threads = a ThreadPoolExecutor (PIL releases the GIL
while decoding and resampling). Prints one JSON object per thread count.

Usage: python3 tools/bench_image_pil.py DIR [--size 224] [--seconds 4] [--threads 1,2]
"""
import argparse
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import PIL
from PIL import Image

MEAN = np.array([0.48145466, 0.4578275, 0.40821073], dtype=np.float32)
STD = np.array([0.26862954, 0.26130258, 0.27577711], dtype=np.float32)


def preprocess(path, size):
    im = Image.open(path).convert("RGB")
    w, h = im.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    im = im.resize((new_w, new_h), Image.BICUBIC)
    top, left = int(round((new_h - size) / 2.0)), int(round((new_w - size) / 2.0))
    im = im.crop((left, top, left + size, top + size))
    x = np.asarray(im, dtype=np.float32) / np.float32(255)
    return np.ascontiguousarray(((x - MEAN) / STD).transpose(2, 0, 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--threads", default="1,2")
    args = ap.parse_args()
    images = sorted(p for p in Path(args.dir).iterdir() if p.suffix.lower() == ".jpg")
    for p in images:
        preprocess(p, args.size)  # page-cache warm-up
    # Context: decoding alone (Image.open + convert("RGB"), which loads the pixels), one thread.
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        for p in images:
            Image.open(p).convert("RGB")
        done += len(images)
    elapsed = time.perf_counter() - start
    print(json.dumps({"impl": "PIL decode only", "threads": 1, "images": done, "seconds": elapsed,
                      "images_per_s": done / elapsed, "checksum": 0}))
    for threads in [int(t) for t in args.threads.split(",")]:
        done, checksum = 0, 0.0
        start = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            while time.perf_counter() - start < args.seconds:
                if threads == 1:
                    outs = [preprocess(p, args.size) for p in images]
                else:
                    outs = list(pool.map(lambda p: preprocess(p, args.size), images * 4))
                checksum += sum(float(o[0, 0, 0]) for o in outs)
                done += len(outs)
        elapsed = time.perf_counter() - start
        print(json.dumps({"impl": f"PIL {PIL.__version__} + numpy {np.__version__}", "threads": threads, "images": done,
                          "seconds": elapsed, "images_per_s": done / elapsed, "checksum": checksum}))


if __name__ == "__main__":
    main()
