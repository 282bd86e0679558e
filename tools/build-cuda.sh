#!/usr/bin/env bash
# Compiles the CUDA kernels, their test and bench binaries (CMake, CLIPMATCH_CUDA=ON) into target/native-cuda,
# so that CI notices when they stop compiling, then runs the host-side part of the CUDA test binary (argument
# validation, key order; its GPU part reports itself skipped without a device). Needs nvcc and CMake only.
# Usage: tools/build-cuda.sh [build-dir]   (JOBS=N to set the parallelism, default: number of cores)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-target/native-cuda}"
command -v nvcc >/dev/null || { echo "build-cuda: nvcc not found on PATH" >&2; exit 1; }
start=$(date +%s)
cmake -S src/main/cpp -B "$build" -DCMAKE_BUILD_TYPE=Release -DCLIPMATCH_CUDA=ON -DCLIPMATCH_TESTS=ON -DCLIPMATCH_BENCH=ON >/dev/null
cmake --build "$build" -j "${JOBS:-$(nproc)}"
echo "build-cuda: built $build/libclipmatch_cuda.so, clipmatch_cuda_tests, clipmatch_cuda_bench in $(( $(date +%s) - start )) s"
"$build/clipmatch_cuda_tests"
