#!/usr/bin/env bash
# One-call check of the CUDA kernels on a GPU machine that has nvcc, CMake and Python with PyTorch (no JDK,
# no Maven, no network): build, CUDA-vs-CPU tests, a compute-sanitizer pass on small shapes, the bare bench
# binary, then the PyTorch peer benchmark, whose table is printed last. Well under 8 minutes on an H200.
# Logs go to $OUT (if set) or target/gpu-check/.
# Usage: tools/gpu-check.sh [--sizes 1000,5000,20000,100000] [--quick]
set -uo pipefail
cd "$(dirname "$0")/.."
sizes="1000,5000,20000,100000"
quick=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sizes) sizes="$2"; shift 2 ;;
    --quick) quick=1; sizes="1000,5000"; shift ;;
    *) echo "gpu-check: unknown argument $1" >&2; exit 2 ;;
  esac
done
build=target/gpu-check
logs="${OUT:-$build}"
mkdir -p "$build" "$logs"
status=0
step() {  # step NAME TIMEOUT_S COMMAND...: runs with a time limit, logs, and records failure
  local name="$1" limit="$2"; shift 2
  local start=$(date +%s)
  echo "=== $name" >&2
  timeout "$limit" "$@" 2>&1 | tee "$logs/$name.log"
  local rc=${PIPESTATUS[0]}
  echo "=== $name: rc=$rc in $(( $(date +%s) - start )) s" >&2
  [[ $rc -eq 0 ]] || status=1
  summary+=("$(printf '%-12s rc=%-3s %4ss' "$name" "$rc" "$(( $(date +%s) - start ))")")
  return $rc
}
summary=()
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv 2>&1 | tee "$logs/gpu.txt" >&2
nvcc --version | tail -1 >&2
python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name())' >&2

step build 300 bash -c "cmake -S src/main/cpp -B $build -DCMAKE_BUILD_TYPE=Release -DCLIPMATCH_CUDA=ON -DCLIPMATCH_TESTS=ON >/dev/null && cmake --build $build -j $(nproc)" \
  || { echo "gpu-check: build failed" >&2; exit 1; }
step cpu-tests 120 "$build/clipmatch_cpu_tests"
step cuda-tests 240 "$build/clipmatch_cuda_tests" --require-gpu
if command -v compute-sanitizer >/dev/null; then
  step sanitizer 120 compute-sanitizer --tool memcheck --error-exitcode 9 "$build/clipmatch_cuda_tests" --require-gpu --quick
fi
step bench-bin 120 bash -c "$build/clipmatch_cuda_bench 5000 25000 512 bf16 10 5 mma && $build/clipmatch_cuda_bench 5000 25000 512 bf16 10 5 wgmma"
# The wgmma engine joins the main benchmark only if a small run of it survives on its own (a faulting kernel
# would take the whole CUDA context, and every later measurement, down with it).
engines=mma
if step wgmma-smoke 120 env PYTHONUNBUFFERED=1 python3 tools/gpu_bench.py --lib "$build/libclipmatch_cuda.so" \
    --sizes 1000 --dtypes bf16 --engines wgmma --repeats 1; then
  engines=mma,wgmma
fi
bench_args=(--lib "$build/libclipmatch_cuda.so" --sizes "$sizes" --engines "$engines")
[[ $quick -eq 1 ]] && bench_args+=(--repeats 3)
echo >&2
printf '%s\n' "${summary[@]}" >&2
step gpu-bench 270 env PYTHONUNBUFFERED=1 python3 tools/gpu_bench.py "${bench_args[@]}"
echo "gpu-check: $([[ $status -eq 0 ]] && echo PASSED || echo FAILED) (logs in $logs)"
exit $status
