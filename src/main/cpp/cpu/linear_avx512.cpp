// cm_linear on AVX-512: blocks of up to 6 rows x 2 panels (12 accumulators); lane j of an accumulator is
// output column 16p + j's own FMA chain over k, so any block shape gives the canonical result.
#include <immintrin.h>

#include <algorithm>

#include "linear.h"

namespace clipmatch {
namespace cpu {
namespace {

constexpr int kRows = 6;

template <int R, int P>
void block(const float* x, int64_t in, const float* panel, const float* bias, int64_t col0, int64_t out, float* y) {
  __m512 acc[R][P];
  for (int r = 0; r < R; r++)
    for (int p = 0; p < P; p++) acc[r][p] = _mm512_setzero_ps();
  for (int64_t k = 0; k < in; k++) {
    __m512 w[P];
    for (int p = 0; p < P; p++) w[p] = _mm512_loadu_ps(panel + (p * in + k) * kPanel);
    for (int r = 0; r < R; r++) {
      __m512 xv = _mm512_set1_ps(x[r * in + k]);
      for (int p = 0; p < P; p++) acc[r][p] = _mm512_fmadd_ps(xv, w[p], acc[r][p]);
    }
  }
  for (int p = 0; p < P; p++) {
    int64_t c = col0 + p * kPanel;
    int64_t n = std::min<int64_t>(kPanel, out - c);
    __mmask16 m = static_cast<__mmask16>((1u << n) - 1u);
    for (int r = 0; r < R; r++) {
      __m512 v = acc[r][p];
      if (bias != nullptr) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, bias + c));
      _mm512_mask_storeu_ps(y + r * out + c, m, v);
    }
  }
}

using BlockFn = void (*)(const float*, int64_t, const float*, const float*, int64_t, int64_t, float*);

// blocks[R - 1][P - 1]: the instance for R rows and P panels.
constexpr BlockFn kBlocks[kRows][2] = {{block<1, 1>, block<1, 2>}, {block<2, 1>, block<2, 2>}, {block<3, 1>, block<3, 2>},
                                       {block<4, 1>, block<4, 2>}, {block<5, 1>, block<5, 2>}, {block<6, 1>, block<6, 2>}};

}  // namespace

void linear_avx512(const float* x, int64_t rows, int64_t in, const float* packed, const float* bias, int64_t out,
                   float* y) {
  // Rows in chunks whose x stays in L2 while every panel pair passes over them (the pair's panels in L1/L2).
  int64_t chunk = std::max<int64_t>(kRows, (int64_t{256} * 1024 / (in * 4)) / kRows * kRows);
  int64_t np = (out + kPanel - 1) / kPanel;
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    int64_t r1 = std::min(rows, r0 + chunk);
    for (int64_t p = 0; p < np; p += 2) {
      int pp = p + 1 < np ? 2 : 1;
      for (int64_t r = r0; r < r1; r += kRows) {
        int rr = static_cast<int>(std::min<int64_t>(kRows, r1 - r));
        kBlocks[rr - 1][pp - 1](x + r * in, in, packed + p * kPanel * in, bias, p * kPanel, out, y + r * out);
      }
    }
  }
}

}  // namespace cpu
}  // namespace clipmatch
