// Times the CUDA kernels through the device-pointer C ABI with CUDA events, without Python or a JVM.
// (tools/gpu_bench.py is the comparison against PyTorch; this binary is the bare measurement.)
// Usage: clipmatch_cuda_bench [queries candidates dim [dtype: f32|f16|bf16 [k [repeats [engine: mma|wgmma]]]]]
// Prints one line per kernel: median milliseconds, achieved TFLOP/s (2*n*m*dim per pass) and the
// score-matrix bandwidth it avoided (n*m*4 bytes written and read once) in GB/s.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "clipmatch/kernels_cuda.h"

namespace {

#define CUDA_OK(call)                                                                       \
  do {                                                                                      \
    cudaError_t e_ = (call);                                                                \
    if (e_ != cudaSuccess) {                                                                \
      std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, cudaGetErrorString(e_)); \
      std::exit(2);                                                                         \
    }                                                                                       \
  } while (0)

void* random_device(int64_t rows, int64_t dim, int dtype, std::mt19937& rng) {
  std::normal_distribution<float> normal;
  size_t count = static_cast<size_t>(rows * dim), bytes = count * (dtype == CM_CUDA_F32 ? 4 : 2);
  std::vector<unsigned char> host(bytes);
  for (size_t i = 0; i < count; ++i) {
    float x = normal(rng);
    if (dtype == CM_CUDA_F32) std::memcpy(&host[i * 4], &x, 4);
    else if (dtype == CM_CUDA_F16) { __half h = __float2half_rn(x); std::memcpy(&host[i * 2], &h, 2); }
    else { __nv_bfloat16 h = __float2bfloat16_rn(x); std::memcpy(&host[i * 2], &h, 2); }
  }
  void* p = nullptr;
  CUDA_OK(cudaMalloc(&p, bytes));
  CUDA_OK(cudaMemcpy(p, host.data(), bytes, cudaMemcpyHostToDevice));
  return p;
}

double median_ms(const std::function<int()>& run, int repeats, cudaStream_t stream) {
  if (run() != CM_OK) {  // warm-up (module load, allocator pools)
    std::fprintf(stderr, "kernel failed: %s\n", cm_cuda_last_error());
    std::exit(1);
  }
  cudaEvent_t start, stop;
  CUDA_OK(cudaEventCreate(&start));
  CUDA_OK(cudaEventCreate(&stop));
  std::vector<float> times;
  for (int r = 0; r < repeats; ++r) {
    CUDA_OK(cudaEventRecord(start, stream));
    if (run() != CM_OK) {
      std::fprintf(stderr, "kernel failed: %s\n", cm_cuda_last_error());
      std::exit(1);
    }
    CUDA_OK(cudaEventRecord(stop, stream));
    CUDA_OK(cudaEventSynchronize(stop));
    float ms = 0;
    CUDA_OK(cudaEventElapsedTime(&ms, start, stop));
    times.push_back(ms);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n = argc > 1 ? std::atoll(argv[1]) : 5000, m = argc > 2 ? std::atoll(argv[2]) : 25000;
  int64_t dim = argc > 3 ? std::atoll(argv[3]) : 512;
  std::string type = argc > 4 ? argv[4] : "bf16";
  int64_t k = argc > 5 ? std::atoll(argv[5]) : 10;
  int repeats = argc > 6 ? std::atoi(argv[6]) : 5;
  std::string engine = argc > 7 ? argv[7] : "mma";
  int dtype = type == "f32" ? CM_CUDA_F32 : type == "f16" ? CM_CUDA_F16 : CM_CUDA_BF16;
  int devices = 0;
  cm_cuda_device_count(&devices);
  if (devices == 0) {
    std::fprintf(stderr, "clipmatch_cuda_bench: no CUDA device (%s)\n", cm_cuda_last_error());
    return 1;
  }
  if (cm_cuda_set_tensor_engine(engine == "wgmma" ? CM_CUDA_ENGINE_WGMMA : CM_CUDA_ENGINE_MMA) != CM_OK) {
    std::fprintf(stderr, "clipmatch_cuda_bench: %s\n", cm_cuda_last_error());
    return 1;
  }
  char name[256];
  cm_cuda_device_name(name, sizeof name);
  std::printf("device: %s; %lld x %lld x %lld %s (%s), k = %lld, median of %d\n", name, (long long)n, (long long)m,
              (long long)dim, type.c_str(), engine.c_str(), (long long)k, repeats);
  std::mt19937 rng(7);
  void* q = random_device(n, dim, dtype, rng);
  void* c = random_device(m, dim, dtype, rng);
  std::vector<int64_t> owner(m), offsets(n + 1), positives(n);
  for (int64_t t = 0; t < m; ++t) owner[t] = t % n;
  for (int64_t i = 0; i <= n; ++i) offsets[i] = i;
  for (int64_t i = 0; i < n; ++i) positives[i] = i % m;
  int64_t *d_owner, *d_off, *d_pos, *d_ranks, *d_text_ranks, *d_idx;
  float* d_scores;
  CUDA_OK(cudaMalloc(&d_owner, sizeof(int64_t) * m));
  CUDA_OK(cudaMalloc(&d_off, sizeof(int64_t) * (n + 1)));
  CUDA_OK(cudaMalloc(&d_pos, sizeof(int64_t) * n));
  CUDA_OK(cudaMalloc(&d_ranks, sizeof(int64_t) * n));
  CUDA_OK(cudaMalloc(&d_text_ranks, sizeof(int64_t) * m));
  CUDA_OK(cudaMalloc(&d_idx, sizeof(int64_t) * n * k));
  CUDA_OK(cudaMalloc(&d_scores, sizeof(float) * n * k));
  CUDA_OK(cudaMemcpy(d_owner, owner.data(), sizeof(int64_t) * m, cudaMemcpyHostToDevice));
  CUDA_OK(cudaMemcpy(d_off, offsets.data(), sizeof(int64_t) * (n + 1), cudaMemcpyHostToDevice));
  CUDA_OK(cudaMemcpy(d_pos, positives.data(), sizeof(int64_t) * n, cudaMemcpyHostToDevice));
  cudaStream_t stream;
  CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  double flop = 2.0 * n * m * dim, score_bytes = 4.0 * n * m;
  auto report = [&](const char* what, double ms) {
    std::printf("%-20s %10.3f ms %9.1f TFLOP/s %9.1f GB/s of scores avoided\n", what, ms, flop / ms / 1e9,
                score_bytes / ms / 1e6);
  };
  report("rank", median_ms([&] {
           return cm_cuda_rank_dev(q, n, c, m, dim, dtype, d_off, d_pos, 1, d_ranks, nullptr, stream);
         }, repeats, stream));
  if (m >= n)
    report("rank_bidirectional", median_ms([&] {
             return cm_cuda_rank_bidirectional_dev(q, n, c, m, dim, dtype, d_owner, 1, d_ranks, d_text_ranks, stream);
           }, repeats, stream));
  report("topk", median_ms([&] {
           return cm_cuda_topk_dev(q, n, c, m, dim, dtype, k, 1, d_scores, d_idx, stream);
         }, repeats, stream));
  return 0;
}
