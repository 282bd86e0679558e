#!/usr/bin/env python3
"""Benchmark harness for `clipmatch eval` (issue 2): clipmatch vs LibTorch (same JVM, `tools/bench bench-eval`)
vs numpy (this script), on the same synthetic embeddings, in one run. Prints a table with ratios and writes JSON.

  python3 tools/bench_eval.py [--images 5000 --captions-per-image 5 --dim 512] [--iterations 10000] [--out DIR]

Not a test: timings depend on the machine and its load. numpy (and LibTorch's OpenBLAS) use all cores. The
harness drops OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE from its environment, so that both peers run OpenBLAS's best
kernels for this CPU (pinned to Haswell they run at about half speed).
"""
import argparse
import json
import os
import subprocess
import sys
import time

if any(v in os.environ for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    os.execve(sys.executable, [sys.executable] + sys.argv, env)

import numpy as np  # noqa: E402  (after the environment is settled: OpenBLAS reads it when loaded)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def make_data(out, n, per, dim, seed=0):
    """Captions are noisy copies of their image (5 per image, contiguous), so recall is neither 0 nor 100."""
    img_path, txt_path = os.path.join(out, f"img_{n}x{dim}.npy"), os.path.join(out, f"txt_{n * per}x{dim}.npy")
    if not (os.path.exists(img_path) and os.path.exists(txt_path)):
        rng = np.random.default_rng(seed)
        img = rng.standard_normal((n, dim), dtype=np.float32)
        txt = (np.repeat(img, per, axis=0) * 0.12 + rng.standard_normal((n * per, dim), dtype=np.float32)).astype(np.float32)
        np.save(img_path, img)
        np.save(txt_path, txt)
    return img_path, txt_path


def numpy_ranks(s, g, n):
    """Ranks with numpy: best positive per image by maximum.at, strict-greater counts (ties ignored)."""
    m = s.shape[1]
    positive = s[g, np.arange(m)]
    best = np.full(n, -np.inf, dtype=s.dtype)
    np.maximum.at(best, g, positive)
    return (s > best[:, None]).sum(1), (s > positive[None, :]).sum(0)


def numpy_full(img, txt, g):
    a = img / np.linalg.norm(img, axis=1, keepdims=True)
    b = txt / np.linalg.norm(txt, axis=1, keepdims=True)
    return numpy_ranks(a @ b.T, g, len(img))


def numpy_sampled(img, txt, per, size, iterations, seed=0):
    a = img / np.linalg.norm(img, axis=1, keepdims=True)
    b = txt / np.linalg.norm(txt, axis=1, keepdims=True)
    rng = np.random.default_rng(seed)
    local = np.repeat(np.arange(size), per)
    total = 0.0
    for _ in range(iterations):
        pick = np.sort(rng.choice(len(a), size, replace=False))
        cols = (pick[:, None] * per + np.arange(per)).ravel()
        i2t, _ = numpy_ranks(a[pick] @ b[cols].T, local, size)
        total += 100.0 * (i2t < 1).mean()
    return total / iterations


def best_of(repeat, fn):
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=5000)
    ap.add_argument("--captions-per-image", type=int, default=5)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--sample-images", type=int, default=10)
    ap.add_argument("--iterations", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default=os.path.join(REPO, "target", "bench-eval"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    img_path, txt_path = make_data(args.out, args.images, args.captions_per_image, args.dim)
    img, txt = np.load(img_path), np.load(txt_path)
    g = np.arange(len(txt)) // args.captions_per_image
    flop = 2.0 * len(img) * len(txt) * args.dim

    java_json = os.path.join(args.out, "java.json")
    subprocess.run([os.path.join(REPO, "tools", "bench"), "bench-eval", "--image-embeddings", img_path, "--text-embeddings", txt_path,
                    "--sample-images", str(args.sample_images), "--iterations", str(args.iterations),
                    "--repeat", str(args.repeat), "--json", java_json], check=True, stdout=subprocess.DEVNULL)
    java = json.load(open(java_json))

    a = np.random.default_rng(1).standard_normal((4096, 4096), dtype=np.float32)
    peak_s, _ = best_of(args.repeat, lambda: a @ a)
    np_full_s, (i2t, t2i) = best_of(args.repeat, lambda: numpy_full(img, txt, g))
    np_sampled_s, np_mean = best_of(1, lambda: numpy_sampled(img, txt, args.captions_per_image, args.sample_images, args.iterations))

    full, sampled = java["full"], java["sampled"]
    rows = [
        ("full set, normalise + score + rank both directions", full["clipmatch_s"], full["libtorch_s"], np_full_s),
        (f"sampled {args.sample_images} images x {args.iterations} iterations", sampled["clipmatch_s"], sampled["libtorch_s"], np_sampled_s),
    ]
    print(f"\n{len(img)} images x {len(txt)} captions x {args.dim} dims, {java['threads']} threads")
    print(f"measured matmul peak (4096^3 sgemm): LibTorch {java['matmul_peak_gflops']:.1f} GFLOP/s, numpy {2 * 4096 ** 3 / peak_s / 1e9:.1f} GFLOP/s")
    print(f"clipmatch full-set rate: {full['clipmatch_gflops']:.1f} GFLOP/s; LibTorch {full['libtorch_gflops']:.1f}; numpy {flop / np_full_s / 1e9:.1f}")
    print(f"R@1 i2t/t2i: clipmatch {full['clipmatch_i2t_R@1']:.3f}/{full['clipmatch_t2i_R@1']:.3f}, "
          f"LibTorch {full['libtorch_i2t_R@1']:.3f}/{full['libtorch_t2i_R@1']:.3f}, "
          f"numpy {100 * (i2t < 1).mean():.3f}/{100 * (t2i < 1).mean():.3f} (peers ignore ties and sum in another order)")
    print(f"sampled mean i2t R@1: clipmatch {sampled['clipmatch_i2t_R@1_mean']:.3f}, LibTorch {sampled['libtorch_i2t_R@1_mean']:.3f}, numpy {np_mean:.3f} (numpy draws other samples)")
    print(f"\n| job | clipmatch s | LibTorch s | numpy s | vs LibTorch | vs numpy |")
    print(f"|---|---|---|---|---|---|")
    for name, ours, lt, npy in rows:
        print(f"| {name} | {ours:.3f} | {lt:.3f} | {npy:.3f} | {lt / ours:.2f}x | {npy / ours:.2f}x |")
    result = {"java": java, "numpy": {"full_s": np_full_s, "sampled_s": np_sampled_s, "peak_gflops": 2 * 4096 ** 3 / peak_s / 1e9}}
    with open(os.path.join(args.out, "result.json"), "w") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
