// Native self-check of the CPU kernels without the JVM: every ISA variant gives bit-identical scores, and
// the fused kernels agree with a brute-force pass over the materialised score matrix. (The Java tests are
// the full oracle; this binary guards the C ABI on machines without a JDK, e.g. the GPU box.)
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "../../main/cpp/cpu/common.h"
#include "../../main/cpp/cpu/linear.h"
#include "check.h"
#include "clipmatch/kernels.h"
#include "clipmatch/layers.h"

using namespace clipmatch;


static std::vector<float> random_rows(std::mt19937& rng, int64_t rows, int64_t dim) {
  std::normal_distribution<float> normal;
  std::vector<float> v(rows * dim);
  for (auto& x : v) x = normal(rng);
  return v;
}

// Every ISA variant of cm_linear computes the canonical chain bit for bit, on any number of rows and columns
// (edges of the 6-row blocks and 16-column panels), and a row's result does not depend on the rows around it.
static void linear_variants_agree(std::mt19937& rng) {
  const int64_t shapes[][3] = {{1, 1, 1}, {7, 33, 17}, {13, 64, 48}, {31, 768, 40}, {6, 5, 100}};
  for (auto& shape : shapes) {
    int64_t rows = shape[0], in = shape[1], out = shape[2], size = 0;
    auto x = random_rows(rng, rows, in), w = random_rows(rng, out, in), bias = random_rows(rng, 1, out);
    CHECK(cm_linear_packed_size(out, in, &size) == CM_OK, "%s", cm_last_error());
    std::vector<float> packed(size);
    CHECK(cm_linear_pack(w.data(), out, in, packed.data()) == CM_OK, "%s", cm_last_error());
    std::vector<float> portable(rows * out), avx2(rows * out), avx512(rows * out), alone(out);
    cpu::linear_portable(x.data(), rows, in, packed.data(), bias.data(), out, portable.data());
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
      cpu::linear_avx2(x.data(), rows, in, packed.data(), bias.data(), out, avx2.data());
      CHECK(portable == avx2, "linear avx2 != portable, %lld x %lld x %lld", (long long)rows, (long long)in, (long long)out);
    }
    if (__builtin_cpu_supports("avx512f")) {
      cpu::linear_avx512(x.data(), rows, in, packed.data(), bias.data(), out, avx512.data());
      CHECK(portable == avx512, "linear avx512 != portable, %lld x %lld x %lld", (long long)rows, (long long)in, (long long)out);
    }
    int64_t last = rows - 1;
    CHECK(cm_linear(&x[last * in], 1, in, packed.data(), bias.data(), out, alone.data()) == CM_OK, "%s", cm_last_error());
    CHECK(std::memcmp(alone.data(), &portable[last * out], sizeof(float) * out) == 0, "linear: last row alone differs");
  }
}

int main() {
  std::mt19937 rng(42);
  linear_variants_agree(rng);
  const int64_t dims[] = {1, 7, 16, 33, 512};
  for (int64_t dim : dims) {
    int64_t n = 37, m = 301;
    auto a = random_rows(rng, n, dim), b = random_rows(rng, m, dim);
    std::memcpy(&b[5 * dim], &b[17 * dim], sizeof(float) * dim);  // a duplicate candidate: exact tie
    std::vector<float> portable(n * m), avx2(n * m), avx512(n * m);
    cpu::score_block_portable(a.data(), n, dim, b.data(), m, dim, dim, portable.data(), m);
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
      cpu::score_block_avx2(a.data(), n, dim, b.data(), m, dim, dim, avx2.data(), m);
      CHECK(std::memcmp(portable.data(), avx2.data(), sizeof(float) * n * m) == 0, "avx2 != portable, dim %lld",
            (long long)dim);
    }
    if (__builtin_cpu_supports("avx512f")) {
      cpu::score_block_avx512(a.data(), n, dim, b.data(), m, dim, dim, avx512.data(), m);
      CHECK(std::memcmp(portable.data(), avx512.data(), sizeof(float) * n * m) == 0,
            "avx512 != portable, dim %lld", (long long)dim);
    }
    // Ranks from the materialised matrix vs the streaming kernel; text t belongs to image t % n.
    std::vector<int64_t> text_image(m), image_ranks(n), text_ranks(m);
    for (int64_t t = 0; t < m; ++t) text_image[t] = t % n;
    std::vector<float> s(n * m);
    CHECK(cm_similarity(a.data(), n, b.data(), m, dim, 1, 1.0f, 0, s.data()) == CM_OK, "%s", cm_last_error());
    CHECK(cm_rank_bidirectional(a.data(), n, b.data(), m, dim, text_image.data(), 1, image_ranks.data(),
                                text_ranks.data()) == CM_OK, "%s", cm_last_error());
    for (int64_t i = 0; i < n; ++i) {
      int64_t best = -1;
      for (int64_t t = 0; t < m; ++t)
        if (text_image[t] == i && (best < 0 || s[i * m + t] > s[i * m + best])) best = t;
      int64_t rank = 0;
      for (int64_t t = 0; t < m; ++t)
        rank += s[i * m + t] > s[i * m + best] || (s[i * m + t] == s[i * m + best] && t < best);
      CHECK(rank == image_ranks[i], "image rank %lld: %lld vs %lld", (long long)i, (long long)rank,
            (long long)image_ranks[i]);
    }
    for (int64_t t = 0; t < m; ++t) {
      int64_t g = text_image[t], rank = 0;
      for (int64_t i = 0; i < n; ++i) rank += s[i * m + t] > s[g * m + t] || (s[i * m + t] == s[g * m + t] && i < g);
      CHECK(rank == text_ranks[t], "text rank %lld: %lld vs %lld", (long long)t, (long long)rank,
            (long long)text_ranks[t]);
    }
    int64_t k = 10;
    std::vector<float> ts(n * k);
    std::vector<int64_t> ti(n * k);
    CHECK(cm_topk(a.data(), n, b.data(), m, dim, k, 1, ts.data(), ti.data()) == CM_OK, "%s", cm_last_error());
    for (int64_t i = 0; i < n; ++i)
      for (int64_t r = 0; r < k; ++r) CHECK(ts[i * k + r] == s[i * m + ti[i * k + r]], "topk score mismatch");
  }
  std::printf("clipmatch_cpu_tests (isa %s): %d failed\n", cpu::score_block_isa(), failures);
  return failures == 0 ? 0 : 1;
}
