#!/usr/bin/env bash
# Packs what tools/gpu-check.sh needs on a GPU machine that has no JDK, Maven or network (issue 15), built on
# this host: the repository's files, the CUDA kernels and native test/bench binaries (sm_90a, CUDA runtime
# linked statically), and for the Java -> CUDA check a jlink runtime, our classes with the CUDA JNI binding, the
# CUDA test classes, the JUnit console and the Java-only jars (no LibTorch/OpenCV native jars: they are far over
# the 64 MiB a device call may carry, and `eval` never loads them).
# Needs: JDK 17 (jlink), Maven (a `mvn package` done), nvcc + CMake. Usage: tools/gpu-carry.sh OUT_DIR
# then on the GPU machine: cd OUT_DIR/repo && bash tools/gpu-check.sh --prebuilt ../native --java ../java
set -euo pipefail
cd "$(dirname "$0")/.."
out="$1"
m2="${M2_REPO:-$HOME/.m2/repository}"
javacpp="$m2/org/bytedeco/javacpp/1.5.13/javacpp-1.5.13.jar"
junit_version=1.11.4
[[ -d target/classes/dev && -f target/classpath.txt ]] || { echo "gpu-carry: run 'mvn -DskipTests package' first" >&2; exit 1; }
rm -rf "$out/repo" "$out/native" "$out/java/classes" "$out/java/test-classes" "$out/java/lib"
mkdir -p "$out/repo" "$out/native" "$out/java/lib"

git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$out/repo"

JOBS="${JOBS:-$(nproc)}" tools/build-cuda.sh target/native-cuda >/dev/null
cp target/native-cuda/{libclipmatch_cuda.so,libclipmatch_kernels.so,libclipmatch_image.so} "$out/native/"
cp target/native-cuda/clipmatch_{cpu,cuda}_{tests,bench} "$out/native/"

cp -r target/classes "$out/java/classes"
java -cp "$javacpp" org.bytedeco.javacpp.tools.Builder -cp "$out/java/classes" \
  -Dplatform.includepath="$PWD/src/main/cpp/include" -Dplatform.linkpath="$PWD/target/native-cuda" -copylibs \
  dev.clipmatch.kernels.cuda.CudaKernels >/dev/null
mkdir -p "$out/java/test-classes/dev/clipmatch/kernels/cuda"
cp target/test-classes/dev/clipmatch/kernels/cuda/*.class "$out/java/test-classes/dev/clipmatch/kernels/cuda/"

tr ':' '\n' < target/classpath.txt | grep -v -- '-linux-x86_64\.jar$' | grep -v -- '-platform-' | xargs -I{} cp {} "$out/java/lib/"
cp "$m2/org/bytedeco/javacpp/1.5.13/javacpp-1.5.13-linux-x86_64.jar" "$out/java/lib/"
junit="$m2/org/junit/platform/junit-platform-console-standalone/$junit_version/junit-platform-console-standalone-$junit_version.jar"
[[ -f "$junit" ]] || mvn -q -B dependency:get -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit_version" >/dev/null
cp "$junit" "$out/java/lib/"

if [[ ! -f "$out/java/jrt.tar.xz" ]]; then
  rm -rf "$out/java/jrt"
  jlink --add-modules java.base,java.logging,java.management,java.sql,jdk.unsupported \
    --strip-debug --no-man-pages --no-header-files --compress=2 --output "$out/java/jrt"
  tar -cJf "$out/java/jrt.tar.xz" -C "$out/java" jrt && rm -rf "$out/java/jrt"
fi
du -sh "$out" "$out"/* "$out"/java/* >&2
