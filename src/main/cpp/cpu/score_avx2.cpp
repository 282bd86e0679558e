// AVX2 canonical scores: the 16 lanes of kernels.h live in two ymm accumulators per pair (lanes 0-7 and
// 8-15); a 2x4 register block shares loads between pairs.
#include <immintrin.h>

#include "common.h"

namespace clipmatch {
namespace cpu {
namespace {

inline float reduce16(__m256 lo, __m256 hi) {
  __m256 s8 = _mm256_add_ps(lo, hi);
  __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
  __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
}

// Masked load of up to 8 floats starting at p, `valid` of them real (zeros beyond).
inline __m256 load8(const float* p, int64_t valid) {
  if (valid >= 8) return _mm256_loadu_ps(p);
  if (valid <= 0) return _mm256_setzero_ps();
  __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(valid)), idx);
  return _mm256_maskload_ps(p, mask);
}

template <int RQ, int RC>
inline void block(const float* q, int64_t ldq, const float* c, int64_t ldc, int64_t dim, float* out,
                  int64_t ldo) {
  __m256 lo[RQ][RC], hi[RQ][RC];
  for (int i = 0; i < RQ; ++i)
    for (int j = 0; j < RC; ++j) lo[i][j] = hi[i][j] = _mm256_setzero_ps();
  for (int64_t k = 0; k < dim; k += 16) {
    int64_t valid = dim - k;
    __m256 qlo[RQ], qhi[RQ];
    for (int i = 0; i < RQ; ++i) {
      qlo[i] = load8(q + i * ldq + k, valid);
      qhi[i] = load8(q + i * ldq + k + 8, valid - 8);
    }
    for (int j = 0; j < RC; ++j) {
      __m256 clo = load8(c + j * ldc + k, valid), chi = load8(c + j * ldc + k + 8, valid - 8);
      for (int i = 0; i < RQ; ++i) {
        lo[i][j] = _mm256_fmadd_ps(qlo[i], clo, lo[i][j]);
        hi[i][j] = _mm256_fmadd_ps(qhi[i], chi, hi[i][j]);
      }
    }
  }
  for (int i = 0; i < RQ; ++i)
    for (int j = 0; j < RC; ++j) out[i * ldo + j] = reduce16(lo[i][j], hi[i][j]);
}

}  // namespace

void score_block_avx2(const float* q, int64_t nq, int64_t ldq, const float* c, int64_t nc, int64_t ldc,
                      int64_t dim, float* out, int64_t ldo) {
  int64_t nq2 = nq / 2 * 2, nc4 = nc / 4 * 4;
  for (int64_t j = 0; j < nc4; j += 4)
    for (int64_t i = 0; i < nq2; i += 2)
      block<2, 4>(q + i * ldq, ldq, c + j * ldc, ldc, dim, out + i * ldo + j, ldo);
  for (int64_t i = 0; i < nq; ++i)
    for (int64_t j = (i < nq2 ? nc4 : 0); j < nc; ++j)
      block<1, 1>(q + i * ldq, ldq, c + j * ldc, ldc, dim, out + i * ldo + j, ldo);
}

}  // namespace cpu
}  // namespace clipmatch
