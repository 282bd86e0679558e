// AVX-512 canonical scores: one zmm accumulator per pair holds the 16 lanes of kernels.h; a 4x4 register
// block shares every load between four pairs.
#include <immintrin.h>

#include "common.h"

namespace clipmatch {
namespace cpu {
namespace {

inline float reduce16(__m512 acc) {
  __m256 s8 = _mm256_add_ps(_mm512_castps512_ps256(acc),
                            _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc), 1)));
  __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
  __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
}

inline __mmask16 tail_mask(int64_t dim) {
  int rest = static_cast<int>(dim % 16);
  return rest == 0 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << rest) - 1);
}

inline float dot1(const float* x, const float* y, int64_t dim) {
  __m512 acc = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + 16 <= dim; k += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(x + k), _mm512_loadu_ps(y + k), acc);
  if (k < dim) {
    __mmask16 m = tail_mask(dim);
    acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + k), _mm512_maskz_loadu_ps(m, y + k), acc);
  }
  return reduce16(acc);
}

inline void block4x4(const float* q, int64_t ldq, const float* c, int64_t ldc, int64_t dim, float* out,
                     int64_t ldo) {
  __m512 acc[4][4];
  for (auto& row : acc)
    for (auto& a : row) a = _mm512_setzero_ps();
  int64_t k = 0;
  auto step = [&](__mmask16 m) {
    __m512 qv[4], cv[4];
    for (int i = 0; i < 4; ++i) qv[i] = _mm512_maskz_loadu_ps(m, q + i * ldq + k);
    for (int j = 0; j < 4; ++j) cv[j] = _mm512_maskz_loadu_ps(m, c + j * ldc + k);
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) acc[i][j] = _mm512_fmadd_ps(qv[i], cv[j], acc[i][j]);
  };
  for (; k + 16 <= dim; k += 16) step(static_cast<__mmask16>(0xFFFF));
  if (k < dim) step(tail_mask(dim));
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) out[i * ldo + j] = reduce16(acc[i][j]);
}

}  // namespace

void score_block_avx512(const float* q, int64_t nq, int64_t ldq, const float* c, int64_t nc, int64_t ldc,
                        int64_t dim, float* out, int64_t ldo) {
  int64_t nq4 = nq / 4 * 4, nc4 = nc / 4 * 4;
  for (int64_t j = 0; j < nc4; j += 4)
    for (int64_t i = 0; i < nq4; i += 4) block4x4(q + i * ldq, ldq, c + j * ldc, ldc, dim, out + i * ldo + j, ldo);
  for (int64_t i = 0; i < nq; ++i)
    for (int64_t j = (i < nq4 ? nc4 : 0); j < nc; ++j) out[i * ldo + j] = dot1(q + i * ldq, c + j * ldc, dim);
}

}  // namespace cpu
}  // namespace clipmatch
