#!/usr/bin/env bash
# Java -> CUDA on a GPU machine without a JDK (issue 15, item 2), run by tools/gpu-check.sh --java DIR.
# DIR is what tools/gpu-carry.sh made on a build host: a jlink runtime (jrt.tar.xz), our classes with the CUDA
# JNI binding and libclipmatch_cuda.so, the test classes, and the Java-only jars (LibTorch's and OpenCV's class
# jars without their native libraries: picocli's reflection needs the classes; eval never loads their natives).
# Runs the CudaBackend tests with the JUnit console, then `clipmatch eval` on 5,000 x 25,000 x 512 embeddings
# made here with numpy, once with --device cpu and once with --device cuda, and compares the JSON byte for byte.
# Usage: tools/gpu-java-check.sh DIR NATIVE_BUILD_DIR LOG_DIR
set -uo pipefail
carry="$(cd "$1" && pwd)" native="$(cd "$2" && pwd)" logs="$3"
work="${TMPDIR:-/tmp}/clipmatch-java"
mkdir -p "$work" "$logs"
[[ -x "$work/jrt/bin/java" ]] || tar -xJf "$carry/jrt.tar.xz" -C "$work" || exit 1
java="$work/jrt/bin/java"
cp="$carry/classes:$(ls "$carry"/lib/*.jar | grep -v console-standalone | paste -sd:)"
jopts=(-Xmx8g "-Dorg.bytedeco.javacpp.cachedir=$work/javacpp-cache")
status=0

# The CUDA tests look for the native CUDA test binary at $CLIPMATCH_REPO/target/native.
mkdir -p "$work/repo/target" && ln -sfn "$native" "$work/repo/target/native"
echo "--- junit: CudaBackendTest" >&2
CLIPMATCH_REPO="$work/repo" "$java" "${jopts[@]}" -jar "$carry"/lib/junit-platform-console-standalone-*.jar \
  execute --class-path "$carry/test-classes:$cp" --select-class dev.clipmatch.kernels.cuda.CudaBackendTest \
  --details tree --disable-banner --disable-ansi-colors 2>&1 | tee "$logs/java-junit.log"
[[ ${PIPESTATUS[0]} -eq 0 ]] || status=1
grep -Eq '\[ +0 tests skipped' "$logs/java-junit.log" && grep -Eq '\[ +0 tests aborted' "$logs/java-junit.log" || { echo "gpu-java-check: some CUDA tests were skipped or aborted" >&2; status=1; }

echo "--- eval 5000 x 25000 x 512: --device cpu vs --device cuda" >&2
python3 - "$work" <<'PY' || exit 1
import sys, numpy as np
rng = np.random.default_rng(15)
n, m, dim = 5000, 25000, 512
images = rng.standard_normal((n, dim), dtype=np.float32)
texts = (images[np.arange(m) // 5] + 6.0 * rng.standard_normal((m, dim), dtype=np.float32)).astype(np.float32)
np.save(f"{sys.argv[1]}/images.npy", images)
np.save(f"{sys.argv[1]}/texts.npy", texts)
PY
for device in cpu cuda; do
  start=$(date +%s%N)
  "$java" "${jopts[@]}" -cp "$cp" dev.clipmatch.cli.Main eval --image-embeddings "$work/images.npy" \
    --text-embeddings "$work/texts.npy" --k 1,5,10,50 --sample-images 100,1000 --iterations 20 \
    --device "$device" --json "$logs/eval-$device.json" > "$logs/eval-$device.txt" 2>&1
  rc=$?
  echo "eval --device $device: rc=$rc in $(( ($(date +%s%N) - start) / 1000000 )) ms" | tee -a "$logs/eval-$device.txt" >&2
  [[ $rc -eq 0 ]] || { status=1; cat "$logs/eval-$device.txt" >&2; }
done
if cmp "$logs/eval-cpu.json" "$logs/eval-cuda.json"; then
  echo "eval JSON: --device cuda identical to --device cpu ($(wc -c < "$logs/eval-cpu.json") bytes)" >&2
else
  echo "eval JSON: --device cuda DIFFERS from --device cpu" >&2; diff "$logs/eval-cpu.json" "$logs/eval-cuda.json" | head -20 >&2
  status=1
fi
head -5 "$logs/eval-cuda.txt" >&2
exit $status
