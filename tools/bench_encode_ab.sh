#!/usr/bin/env bash
# A/B encoder throughput of two clipmatch checkouts (e.g. main before and after a model change), alternating the
# sides for ROUNDS rounds so that a shared machine's load drift falls on both. Uses the ViT-B/32-sized random model
# and caption ids that tools/bench_model.py leaves in its work folder (run it once first).
# Usage: tools/bench_encode_ab.sh BEFORE_REPO AFTER_REPO [ROUNDS] [WORK=/tmp/clipmatch-bench]
set -euo pipefail
before="$1"; after="$2"; rounds="${3:-2}"; work="${4:-/tmp/clipmatch-bench}"
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE  # this sandbox's pins; both sides run with OpenBLAS's own detection
run() {  # older checkouts had bench-model in the CLI, newer ones in tools/bench
  if [[ -x "$1/tools/bench" ]]; then "$1/tools/bench" "${@:2}"; else "$1/clipmatch" "${@:2}"; fi
}
for round in $(seq "$rounds"); do
  for side in before after; do
    repo="$before"; [[ $side == after ]] && repo="$after"
    printf '%s round %s: ' "$side" "$round"
    run "$repo" bench-model --model "$work/vit-b-32-random-hf" --batch-size 32 --threads 2 --repeats 2 --warmup 2 --images 32 \
      --token-ids "$work/flickr30k_ids.npy" 2>/dev/null | tail -1
  done
done
