// Kernel-level rate of the CPU scoring engine, without the JVM: the tiled score traversal alone (empty
// epilogue) and the bidirectional rank, in GFLOP/s of wall time and per CPU-second (steadier on a shared
// machine). Usage: clipmatch_cpu_bench [images=5000] [captions=25000] [dim=512] [threads=0 (all)]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "../../main/cpp/cpu/common.h"
#include "clipmatch/kernels.h"

using namespace clipmatch;

static double cpu_seconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6;
}

int main(int argc, char** argv) {
  int64_t n = argc > 1 ? std::atoll(argv[1]) : 5000, m = argc > 2 ? std::atoll(argv[2]) : 25000;
  int64_t d = argc > 3 ? std::atoll(argv[3]) : 512;
  int threads = cm_set_threads(argc > 4 ? std::atoi(argv[4]) : 0);
  std::vector<float> a(n * d), b(m * d);
  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  for (auto& x : a) x = normal(rng);
  for (auto& x : b) x = normal(rng);
  std::vector<int64_t> text_image(m), image_ranks(n), text_ranks(m);
  for (int64_t t = 0; t < m; ++t) text_image[t] = t * n / m;
  double flop = 2.0 * n * m * d;
  std::printf("%lld x %lld x %lld, %d threads, isa %s\n", (long long)n, (long long)m, (long long)d, threads, cpu::score_block_isa());
  for (int rep = 0; rep < 3; ++rep) {
    double c0 = cpu_seconds();
    auto w0 = std::chrono::steady_clock::now();
    cpu::for_each_score_block(a.data(), n, b.data(), m, d, [](int64_t, int64_t, int64_t, int64_t, const float*, int64_t, int) {});
    double c1 = cpu_seconds();
    auto w1 = std::chrono::steady_clock::now();
    if (cm_rank_bidirectional(a.data(), n, b.data(), m, d, text_image.data(), 0, image_ranks.data(), text_ranks.data()) != CM_OK) {
      std::fprintf(stderr, "%s\n", cm_last_error());
      return 1;
    }
    double c2 = cpu_seconds();
    auto w2 = std::chrono::steady_clock::now();
    double s1 = std::chrono::duration<double>(w1 - w0).count(), s2 = std::chrono::duration<double>(w2 - w1).count();
    std::printf("scores only: %.1f GFLOP/s (%.1f per cpu-s); bidirectional rank: %.1f GFLOP/s (%.1f per cpu-s)\n", flop / s1 / 1e9,
                flop / (c1 - c0) / 1e9, flop / s2 / 1e9, flop / (c2 - c1) / 1e9);
  }
  return 0;
}
