// AVX-512 canonical scores: one zmm accumulator per pair holds the 16 lanes of kernels.h. A 6x4 register
// block (24 accumulators) shares every load, and four accumulators are reduced together with shuffles that
// keep the canonical pairwise order (lane i with i+8, then i+4, i+2, i+1), so results stay bit-identical.
#include <immintrin.h>

#include "common.h"

namespace clipmatch {
namespace cpu {
namespace {

// Canonical reduction of four accumulators at once; returns their four scores.
inline __m128 reduce4(__m512 a, __m512 b, __m512 c, __m512 d) {
  // [a.lo8 | b.lo8] + [a.hi8 | b.hi8]: each 8-lane half now holds l[i] + l[i+8]
  __m512 ab = _mm512_add_ps(_mm512_shuffle_f32x4(a, b, 0x44), _mm512_shuffle_f32x4(a, b, 0xEE));
  __m512 cd = _mm512_add_ps(_mm512_shuffle_f32x4(c, d, 0x44), _mm512_shuffle_f32x4(c, d, 0xEE));
  // 128-bit lane k holds accumulator k's four sums l[i] + l[i+4]
  __m512 s4 = _mm512_add_ps(_mm512_shuffle_f32x4(ab, cd, 0x88), _mm512_shuffle_f32x4(ab, cd, 0xDD));
  __m512 s2 = _mm512_add_ps(s4, _mm512_permute_ps(s4, _MM_SHUFFLE(1, 0, 3, 2)));
  __m512 s1 = _mm512_add_ps(s2, _mm512_permute_ps(s2, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm512_castps512_ps128(
      _mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), s1));
}

inline float reduce1(__m512 acc) {
  __m256 s8 = _mm256_add_ps(_mm512_castps512_ps256(acc),
                            _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(acc), 1)));
  __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
  __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
  return _mm_cvtss_f32(_mm_add_ss(s2, _mm_shuffle_ps(s2, s2, 1)));
}

inline __mmask16 tail_mask(int64_t dim) { return static_cast<__mmask16>((1u << (dim % 16)) - 1); }

// RQ queries x 4 candidates.
template <int RQ>
inline void block(const float* q, int64_t ldq, const float* c, int64_t ldc, int64_t dim, float* out, int64_t ldo) {
  __m512 acc[RQ][4];
  for (int i = 0; i < RQ; ++i)
    for (int j = 0; j < 4; ++j) acc[i][j] = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + 16 <= dim; k += 16) {
    __m512 cv[4];
    for (int j = 0; j < 4; ++j) cv[j] = _mm512_loadu_ps(c + j * ldc + k);
    for (int i = 0; i < RQ; ++i) {
      __m512 qv = _mm512_loadu_ps(q + i * ldq + k);
      for (int j = 0; j < 4; ++j) acc[i][j] = _mm512_fmadd_ps(qv, cv[j], acc[i][j]);
    }
  }
  if (k < dim) {  // zero-padded tail, as the canonical order prescribes
    __mmask16 m = tail_mask(dim);
    __m512 cv[4];
    for (int j = 0; j < 4; ++j) cv[j] = _mm512_maskz_loadu_ps(m, c + j * ldc + k);
    for (int i = 0; i < RQ; ++i) {
      __m512 qv = _mm512_maskz_loadu_ps(m, q + i * ldq + k);
      for (int j = 0; j < 4; ++j) acc[i][j] = _mm512_fmadd_ps(qv, cv[j], acc[i][j]);
    }
  }
  for (int i = 0; i < RQ; ++i) _mm_storeu_ps(out + i * ldo, reduce4(acc[i][0], acc[i][1], acc[i][2], acc[i][3]));
}

inline float dot1(const float* x, const float* y, int64_t dim) {
  __m512 acc = _mm512_setzero_ps();
  int64_t k = 0;
  for (; k + 16 <= dim; k += 16) acc = _mm512_fmadd_ps(_mm512_loadu_ps(x + k), _mm512_loadu_ps(y + k), acc);
  if (k < dim) {
    __mmask16 m = tail_mask(dim);
    acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, x + k), _mm512_maskz_loadu_ps(m, y + k), acc);
  }
  return reduce1(acc);
}

}  // namespace

void score_block_avx512(const float* q, int64_t nq, int64_t ldq, const float* c, int64_t nc, int64_t ldc,
                        int64_t dim, float* out, int64_t ldo) {
  int64_t nq6 = nq / 6 * 6, nc4 = nc / 4 * 4;
  // Six query rows stay in L1 while the candidate tile (in L2) streams past them.
  for (int64_t i = 0; i < nq6; i += 6)
    for (int64_t j = 0; j < nc4; j += 4) block<6>(q + i * ldq, ldq, c + j * ldc, ldc, dim, out + i * ldo + j, ldo);
  for (int64_t i = nq6; i < nq; ++i)
    for (int64_t j = 0; j < nc4; j += 4) block<1>(q + i * ldq, ldq, c + j * ldc, ldc, dim, out + i * ldo + j, ldo);
  for (int64_t i = 0; i < nq; ++i)
    for (int64_t j = nc4; j < nc; ++j) out[i * ldo + j] = dot1(q + i * ldq, c + j * ldc, dim);
}

}  // namespace cpu
}  // namespace clipmatch
