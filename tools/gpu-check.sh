#!/usr/bin/env bash
# One-call check of the CUDA path on a GPU machine that has nvcc, CMake and Python with PyTorch (no JDK,
# no Maven, no network), issue 15 items 1-3: the CPU and CUDA native tests (fp32 bit-identical to the CPU,
# fp16/bf16 within tolerance), a compute-sanitizer pass on small shapes, Java -> CUDA (with --java, see
# tools/gpu-java-check.sh), the bare bench binary, then the PyTorch peer benchmark, whose table is printed last.
# Logs go to target/gpu-check/logs; with $OUT set (a device call, which brings back at most 8 files) they are
# also packed into $OUT/gpu-check-logs.tgz after every step, so a run stopped at its limit still returns them.
# Usage: tools/gpu-check.sh [--prebuilt DIR] [--java DIR] [--sizes 1000,100000] [--quick] [--no-bench]
#   --prebuilt DIR: native binaries built elsewhere (tools/gpu-carry.sh); built here from source when absent
#                   or when they do not run here.
#   --no-bench: correctness only (tests, sanitizer, Java), for a re-check after a change that cannot move speed.
set -uo pipefail
cd "$(dirname "$0")/.."
sizes="1000,100000"
quick=0 prebuilt="" javadir="" bench=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sizes) sizes="$2"; shift 2 ;;
    --quick) quick=1; sizes="1000,5000"; shift ;;
    --prebuilt) prebuilt="$2"; shift 2 ;;
    --java) javadir="$2"; shift 2 ;;
    --no-bench) bench=0; shift ;;
    *) echo "gpu-check: unknown argument $1" >&2; exit 2 ;;
  esac
done
build=target/gpu-check
logs="$build/logs"
mkdir -p "$build" "$logs"
status=0
begin=$(date +%s)
summary=()
pack() { [[ -z "${OUT:-}" ]] || tar -czf "$OUT/gpu-check-logs.tgz" -C "$logs" .; }
step() {  # step NAME TIMEOUT_S COMMAND...: runs with a time limit, logs, and records failure
  local name="$1" limit="$2"; shift 2
  local start=$(date +%s)
  echo "=== $name (t=$(( start - begin )) s)" >&2
  timeout "$limit" "$@" 2>&1 | tee "$logs/$name.log"
  local rc=${PIPESTATUS[0]}
  echo "=== $name: rc=$rc in $(( $(date +%s) - start )) s" >&2
  [[ $rc -eq 0 ]] || status=1
  summary+=("$(printf '%-12s rc=%-3s %4ss' "$name" "$rc" "$(( $(date +%s) - start ))")")
  pack
  return $rc
}
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv 2>&1
  nvcc --version | tail -1
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name())'
} | tee "$logs/gpu.txt" >&2

export LD_LIBRARY_PATH="$PWD/$build${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if [[ -n "$prebuilt" ]] && cp "$prebuilt"/* "$build/" && ! ldd "$build/clipmatch_cuda_tests" 2>&1 | grep -q "not found"; then
  echo "gpu-check: using the binaries built elsewhere ($prebuilt)" >&2
else
  step build 300 bash -c "cmake -S src/main/cpp -B $build -DCMAKE_BUILD_TYPE=Release -DCLIPMATCH_CUDA=ON -DCLIPMATCH_TESTS=ON -DCLIPMATCH_BENCH=ON >/dev/null && cmake --build $build -j $(nproc)" \
    || { echo "gpu-check: build failed" >&2; exit 1; }
fi
step cpu-tests 60 "$build/clipmatch_cpu_tests"
step cuda-tests 120 "$build/clipmatch_cuda_tests" --require-gpu
if command -v compute-sanitizer >/dev/null; then
  step sanitizer 60 compute-sanitizer --tool memcheck --error-exitcode 9 "$build/clipmatch_cuda_tests" --require-gpu --quick
fi
[[ -n "$javadir" ]] && step java 120 bash tools/gpu-java-check.sh "$javadir" "$build" "$logs"
if [[ $bench -eq 0 ]]; then
  printf '%s\n' "${summary[@]}" | tee "$logs/summary.txt" >&2
  echo "gpu-check: $([[ $status -eq 0 ]] && echo PASSED || echo FAILED) in $(( $(date +%s) - begin )) s, no benchmark" | tee -a "$logs/summary.txt"
  pack
  exit $status
fi
step bench-bin 60 bash -c "$build/clipmatch_cuda_bench 5000 25000 512 bf16 10 5 mma && $build/clipmatch_cuda_bench 5000 25000 512 bf16 10 5 wgmma"
# The harness itself, on the CPU: the ctypes bindings (plain C names) of both libraries against the torch peers.
step bench-selftest 60 env PYTHONUNBUFFERED=1 python3 tools/gpu_bench.py --self-test --lib "$build/libclipmatch_cuda.so" \
  --cpu-lib "$build/libclipmatch_kernels.so"
# The wgmma engine joins the main benchmark only if a small run of it survives on its own (a faulting kernel
# would take the whole CUDA context, and every later measurement, down with it).
engines=mma
if step wgmma-smoke 60 env PYTHONUNBUFFERED=1 python3 tools/gpu_bench.py --lib "$build/libclipmatch_cuda.so" \
    --sizes 1000 --dtypes bf16 --engines wgmma --repeats 1 --k 10; then
  engines=mma,wgmma
fi
bench_args=(--lib "$build/libclipmatch_cuda.so" --sizes "$sizes" --engines "$engines" --k 10,100 --max-f32 100000 --dtypes bf16,f32 --repeats 3)

echo >&2
printf '%s\n' "${summary[@]}" >&2
step gpu-bench "${BENCH_TIMEOUT:-240}" env PYTHONUNBUFFERED=1 python3 tools/gpu_bench.py "${bench_args[@]}"
printf '%s\n' "${summary[@]}" | tee "$logs/summary.txt" >&2
echo "gpu-check: $([[ $status -eq 0 ]] && echo PASSED || echo FAILED) in $(( $(date +%s) - begin )) s (logs in $logs)" | tee -a "$logs/summary.txt"
pack
exit $status
