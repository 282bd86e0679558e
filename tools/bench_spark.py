#!/usr/bin/env python3
"""Spark integration benchmark (issue 13): `clipmatch spark eval` at local[1] and local[2] against single-process
`clipmatch eval` on the same cores and the same random embeddings (results must be identical), and
`clipmatch spark embed` at local[1] and local[2] against `clipmatch embed` on synthetic JPEGs. Prints a markdown
table and the projection of 1M images x 5M captions x 512 dims onto a cluster from the measured block rate.

  python3 tools/bench_spark.py [--images 10000] [--captions 50000] [--dim 512] [--embed-images 300]
                               [--model tiny|vit-b-32] [--executors 32] [--executor-cores 8] [--out target/bench-spark]

Wall times are whole processes (JVM and Spark start included); "block pass" is the distributed rank alone, from the
job's own stderr. Every side runs without this machine's OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE pins.
Needs the shared test data (tokenizer vocabulary): CLIPMATCH_TEST_DATA or ../shared/data.
"""
import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tools"))
ENV = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
CLIPMATCH = os.path.join(REPO, "clipmatch")


def timed(cmd, env=None):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env or ENV)
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-3000:]}")
    return wall, p.stderr


def full_set(path):
    with open(path) as f:
        r = json.load(f)
    return {k: r[k] for k in ("images", "captions", "image_to_text", "text_to_image", "rsum")}


def bench_eval(a, work):
    rng = np.random.default_rng(0)
    images, texts, mapping = (os.path.join(work, f) for f in ("images.npy", "texts.npy", "text_image.npy"))
    np.save(images, rng.standard_normal((a.images, a.dim), dtype=np.float32))
    np.save(texts, rng.standard_normal((a.captions, a.dim), dtype=np.float32))
    np.save(mapping, (np.arange(a.captions) * a.images // a.captions).astype(np.int64))
    common = ["--image-embeddings", images, "--text-embeddings", texts, "--text-image", mapping]
    rows = []
    wall, _ = timed([CLIPMATCH, "eval", *common, "--threads", "2", "--device", "cpu", "--json", os.path.join(work, "eval-single.json")])
    rows.append(("clipmatch eval, 2 native threads", wall, None))
    want = full_set(os.path.join(work, "eval-single.json"))
    rates = {}
    for n in (1, 2):
        out = os.path.join(work, f"spark{n}.json")
        wall, err = timed([CLIPMATCH, "spark", "eval", "--master", f"local[{n}]", "--threads", "1", "--image-blocks", "2", "--text-blocks", "4",
                           *common, "--json", out])
        blocks = float(re.findall(r"ranks of \d+ x \d+ in ([\d.]+) s", err)[-1])
        thresholds = float(re.findall(r"thresholds of .* in ([\d.]+) s", err)[-1])
        if full_set(out) != want:
            sys.exit(f"spark eval local[{n}] differs from eval")
        rows.append((f"clipmatch spark eval, local[{n}], 1 native thread per task (2 x 4 blocks)", wall, blocks))
        rates[n] = (a.images * a.captions * a.dim / (blocks - thresholds), thresholds)
    return rows, rates


def bench_embed(a, work):
    from bench_sweep import make_images
    folder = os.path.join(work, "images")
    make_images(folder, a.embed_images)
    if a.model == "tiny":
        model = os.path.join(work, "tiny.pt")
        with gzip.open(os.path.join(REPO, "src/test/resources/model/tiny-openai.pt.gz")) as src, open(model, "wb") as dst:
            shutil.copyfileobj(src, dst)
    else:
        from bench_model import hf_model
        model = hf_model(os.path.join(work, "vit-b-32"))
    rows = []
    # embed encodes through the embedding cache: a fresh one, so that it encodes everything
    cache = tempfile.mkdtemp(prefix="clipmatch-bench-cache-")
    wall, _ = timed([CLIPMATCH, "embed", "--model", model, "--images", folder, "--out", os.path.join(work, "single.npy"), "--threads", "2"],
                    dict(ENV, CLIPMATCH_CACHE=cache))
    shutil.rmtree(cache)
    rows.append(("clipmatch embed, 2 threads", wall))
    want = np.load(os.path.join(work, "single.npy"))
    for n in (1, 2):
        out = os.path.join(work, f"embed{n}")
        wall, _ = timed([CLIPMATCH, "spark", "embed", "--master", f"local[{n}]", "--threads", "1", "--partitions", "4", "--model", model,
                         "--images", folder, "--out", out])
        got = spark_table(out)
        diff = float(np.abs(got - want).max())
        if diff > 1e-6:
            sys.exit(f"spark embed local[{n}] differs from embed by {diff}")
        rows.append((f"clipmatch spark embed, local[{n}], 1 thread per task", wall))
    return rows


def spark_table(out):
    """The images table's embeddings in id order (pyarrow)."""
    import pyarrow.parquet as pq
    t = pq.read_table(os.path.join(out, "images")).to_pydict()
    order = np.argsort(t["id"])
    return np.array([t["embedding"][i] for i in order], dtype=np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=10000)
    ap.add_argument("--captions", type=int, default=50000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--embed-images", type=int, default=300)
    ap.add_argument("--model", choices=["tiny", "vit-b-32"], default="tiny")
    ap.add_argument("--executors", type=int, default=32)
    ap.add_argument("--executor-cores", type=int, default=8)
    ap.add_argument("--out", default=os.path.join(REPO, "target/bench-spark"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    eval_rows, rates = bench_eval(a, a.out)
    print(f"\n### Recall, {a.images:,} x {a.captions:,} x {a.dim}\n")
    print("| run | process wall | block pass |\n|---|---|---|")
    for name, wall, blocks in eval_rows:
        print(f"| {name} | {wall:.1f} s | {'' if blocks is None else f'{blocks:.1f} s'} |")
    try:
        embed_rows = bench_embed(a, a.out)
        print(f"\n### Embedding, {a.embed_images} JPEGs, {a.model} model\n")
        print("| run | process wall | images/s |\n|---|---|---|")
        for name, wall in embed_rows:
            print(f"| {name} | {wall:.1f} s | {a.embed_images / wall:.1f} |")
    except ImportError as e:
        print(f"\n(embedding benchmark skipped: {e})")
    per_core = rates[1][0]
    work = 1e6 * 5e6 * 512
    cores = a.executors * a.executor_cores
    print(f"\n### Projection: 1M x 5M x 512 on {a.executors} executors x {a.executor_cores} cores\n")
    print(f"measured block rate: {per_core / 1e9:.2f} G multiply-adds/s per core (local[1]), "
          f"{rates[2][0] / 1e9:.2f} G/s with local[2]")
    print(f"{work:.3g} multiply-adds / ({cores} cores x {per_core / 1e9:.2f} G/s) = {work / (cores * per_core) / 60:.1f} min of block pass, "
          f"plus thresholds (5M joined rows) and a broadcast of 5M x 12 B + 1M x 12 B = 72 MB")


if __name__ == "__main__":
    main()
