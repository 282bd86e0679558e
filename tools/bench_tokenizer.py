#!/usr/bin/env python3
"""Tokenizer benchmark harness: the Java ClipTokenizer against the original Python tokenizer (open_clip_torch's
copy of openai/CLIP's simple_tokenizer, with ftfy and regex; tools/bench_tokenizer_peer.py), in the same run, on the
5,000 Flickr30K Karpathy-test captions and the 25,010 COCO Karpathy 5K-test captions.

Both sides produce the padded [n, 77] id tensor of clip.tokenize(texts, truncate=True): Python
`SimpleTokenizer(texts)` (a torch.LongTensor), Java `ClipTokenizer.batch(texts, 77, true)`. For each set it measures
the first pass with an empty BPE cache (Java's includes JIT warm-up) and the best of --repeats passes with a warm
cache, in wall-clock and thread CPU time (steadier on a shared machine), checks that both sides' ids are identical,
and prints captions/s and the Java/Python ratios.

Usage: python3 tools/bench_tokenizer.py [--repeats 5] [--json-out FILE]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_tokenizer_peer as peer  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("CLIPMATCH_TEST_DATA", os.path.join(REPO, "..", "shared", "data"))
SETS = [("flickr30k_test", "flickr30k/flickr30k_karpathy_test.json"), ("coco_5k_test", "coco/coco_karpathy_test5k.json")]


def captions(rel):
    with open(os.path.join(DATA, rel), encoding="utf-8") as f:
        return [c for item in json.load(f) for c in item["captions"]]


def time_python(vocab, texts, repeats):
    t0 = time.perf_counter()
    tokenizer = peer.make_tokenizer(vocab, openai_names=False)  # open_clip exactly as shipped
    load = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.thread_time()
    ids = tokenizer(texts, context_length=77)
    first, first_cpu = time.perf_counter() - t0, time.thread_time() - c0
    steady = steady_cpu = float("inf")
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.thread_time()
        tokenizer(texts, context_length=77)
        steady_cpu = min(steady_cpu, time.thread_time() - c0)
        steady = min(steady, time.perf_counter() - t0)
    return {"load_s": load, "first_pass_s": first, "steady_s": steady, "first_pass_cpu_s": first_cpu,
            "steady_cpu_s": steady_cpu}, ids.numpy()


def run_java(vocab, files, repeats, out_dir):
    run = subprocess.run([os.path.join(REPO, "tools", "bench"), "dev.clipmatch.tokenizer.TokenizerBench", vocab, str(repeats), out_dir]
                         + files, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        sys.exit("TokenizerBench failed:\n" + run.stderr)
    return {r["name"]: r for r in map(json.loads, run.stdout.splitlines())}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vocab", default=os.path.join(DATA, "clip", "bpe_simple_vocab_16e6.txt.gz"))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json-out")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        files, texts_by_set = [], {}
        for name, rel in SETS:
            texts_by_set[name] = captions(rel)
            path = os.path.join(tmp, name + ".jsonl")
            with open(path, "w", encoding="utf-8") as f:
                f.writelines(json.dumps(t) + "\n" for t in texts_by_set[name])
            files.append(path)
        java = run_java(args.vocab, files, args.repeats, tmp)
        results = []
        for name, _ in SETS:
            texts = texts_by_set[name]
            py, py_ids = time_python(args.vocab, texts, args.repeats)
            java_ids = np.load(os.path.join(tmp, name + ".java_ids.npy"))
            differing_rows = int((java_ids != py_ids).any(axis=1).sum())
            j = java[name]
            results.append({
                "set": name, "captions": len(texts), "identical_rows": len(texts) - differing_rows,
                "python": py, "java": j,
                "python_captions_per_s": {"first": len(texts) / py["first_pass_s"], "steady": len(texts) / py["steady_s"]},
                "java_captions_per_s": {"first": len(texts) / j["first_pass_s"], "steady": len(texts) / j["steady_s"]},
                "ratio": {"first": py["first_pass_s"] / j["first_pass_s"], "steady": py["steady_s"] / j["steady_s"],
                          "first_cpu": py["first_pass_cpu_s"] / j["first_pass_cpu_s"],
                          "steady_cpu": py["steady_cpu_s"] / j["steady_cpu_s"]},
            })

    java_version = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    machine = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(), "python": platform.python_version(),
               "java": java_version, "open_clip_torch": peer.open_clip_version(), "repeats": args.repeats}
    print(f"machine: {machine}")
    print("Captions/s (wall clock); ratios Java/Python in wall clock and in thread CPU time.")
    print("| set | captions | identical ids | Python first | Python steady | Java first | Java steady "
          "| ratio first | ratio steady | CPU ratio first | CPU ratio steady |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        p, j, x = r["python_captions_per_s"], r["java_captions_per_s"], r["ratio"]
        print(f"| {r['set']} | {r['captions']:,} | {r['identical_rows']:,} | {p['first']:,.0f} | {p['steady']:,.0f} "
              f"| {j['first']:,.0f} | {j['steady']:,.0f} | {x['first']:.1f}x | {x['steady']:.1f}x "
              f"| {x['first_cpu']:.1f}x | {x['steady_cpu']:.1f}x |")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"machine": machine, "results": results}, f, indent=2)
    if any(r["identical_rows"] != r["captions"] for r in results):
        sys.exit("ids differ between Java and Python")


if __name__ == "__main__":
    main()
