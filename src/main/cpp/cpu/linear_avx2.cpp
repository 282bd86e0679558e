// cm_linear on AVX2+FMA: blocks of up to 6 rows x 1 panel (two 8-lane halves, 12 accumulators); lane j is
// output column 16p + j's own FMA chain over k, so any block shape gives the canonical result.
#include <immintrin.h>

#include <algorithm>

#include "linear.h"

namespace clipmatch {
namespace cpu {
namespace {

constexpr int kRows = 6;

template <int R>
void block(const float* x, int64_t in, const float* panel, const float* bias, int64_t col0, int64_t out, float* y) {
  __m256 acc[R][2];
  for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (int64_t k = 0; k < in; k++) {
    __m256 w0 = _mm256_loadu_ps(panel + k * kPanel), w1 = _mm256_loadu_ps(panel + k * kPanel + 8);
    for (int r = 0; r < R; r++) {
      __m256 xv = _mm256_broadcast_ss(x + r * in + k);
      acc[r][0] = _mm256_fmadd_ps(xv, w0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(xv, w1, acc[r][1]);
    }
  }
  int64_t n = std::min<int64_t>(kPanel, out - col0);
  for (int r = 0; r < R; r++) {
    alignas(32) float v[kPanel];
    _mm256_store_ps(v, acc[r][0]);
    _mm256_store_ps(v + 8, acc[r][1]);
    float* yr = y + r * out + col0;
    for (int64_t j = 0; j < n; j++) yr[j] = bias != nullptr ? v[j] + bias[col0 + j] : v[j];
  }
}

using BlockFn = void (*)(const float*, int64_t, const float*, const float*, int64_t, int64_t, float*);
constexpr BlockFn kBlocks[kRows] = {block<1>, block<2>, block<3>, block<4>, block<5>, block<6>};

}  // namespace

void linear_avx2(const float* x, int64_t rows, int64_t in, const float* packed, const float* bias, int64_t out,
                 float* y) {
  // Rows in chunks whose x stays in L2 while every panel passes over them.
  int64_t chunk = std::max<int64_t>(kRows, (int64_t{256} * 1024 / (in * 4)) / kRows * kRows);
  int64_t np = (out + kPanel - 1) / kPanel;
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    int64_t r1 = std::min(rows, r0 + chunk);
    for (int64_t p = 0; p < np; p++)
      for (int64_t r = r0; r < r1; r += kRows) {
        int rr = static_cast<int>(std::min<int64_t>(kRows, r1 - r));
        kBlocks[rr - 1](x + r * in, in, packed + p * kPanel * in, bias, p * kPanel, out, y + r * out);
      }
  }
}

}  // namespace cpu
}  // namespace clipmatch
