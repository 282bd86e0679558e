#!/usr/bin/env bash
# Image pipeline benchmark: clipmatch (Java + OpenCV + native resample) vs PIL + numpy, same images, same run.
# Runs each side twice, alternating, and reports the best run of each plus the ratios.
# Usage: tools/bench_image.sh [IMAGE_DIR] [SECONDS]   (default ../shared/data/flickr8k/images, 4 s per measurement)
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-../shared/data/flickr8k/images}"
seconds="${2:-4}"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); images: $dir ($(ls "$dir"/*.jpg | wc -l) JPEGs)" >&2
for round in 1 2; do
  tools/bench dev.clipmatch.image.ImageBench "$dir" --seconds "$seconds" --threads 1,2 | tee -a "$out"
  python3 tools/bench_image_pil.py "$dir" --seconds "$seconds" --threads 1,2 | tee -a "$out"
done
python3 - "$out" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
best, decode = {}, {}
for r in rows:
    if "decode only" in r["impl"]:
        decode[r["impl"]] = max(decode.get(r["impl"], 0), r["images_per_s"])
        continue
    key = ("java" if r["impl"].startswith("clipmatch") else "pil", r["threads"])
    best[key] = max(best.get(key, 0), r["images_per_s"])
print("\n| threads | clipmatch images/s | PIL+numpy images/s | ratio | clipmatch vs PIL 1 thread |")
print("|---|---|---|---|---|")
for t in sorted({k[1] for k in best}):
    j, p = best[("java", t)], best[("pil", t)]
    print(f"| {t} | {j:.0f} | {p:.0f} | {j / p:.2f}x | {j / best[('pil', 1)]:.2f}x |")
print("\ndecoding alone, 1 thread: " + ", ".join(f"{k} {v:.0f} images/s" for k, v in sorted(decode.items())))
EOF
