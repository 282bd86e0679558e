#!/usr/bin/env bash
# A/B/... encoder CPU cost of several built clipmatch checkouts (tools/EncodeCpuBench.java: CPU time of the encoding
# thread per image and per caption, one thread), alternating the sides for ROUNDS rounds. Uses the work folder of
# tools/bench_model.py (run it once first). Each checkout must be built (mvn -DskipTests package).
# Usage: tools/bench_encode_cpu_ab.sh ROUNDS REPO... (WORK=/tmp/clipmatch-bench REPEATS=5 in the environment)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rounds="$1"; shift
work="${WORK:-/tmp/clipmatch-bench}"
unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE  # this sandbox's pins; every side runs with OpenBLAS's own detection
for round in $(seq "$rounds"); do
  for repo in "$@"; do
    printf '%s round %s: ' "$repo" "$round"
    java -Dorg.bytedeco.javacpp.cachedir="$repo/target/javacpp-cache" \
      -cp "$repo/target/classes:$(cat "$repo/target/classpath.txt")" "$here/EncodeCpuBench.java" \
      "$work/vit-b-32-random-hf" "$work/flickr30k_ids.npy" "${REPEATS:-5}" 2>/dev/null | tail -1
  done
done
