// Portable canonical scores: the reference order of kernels.h written out lane by lane.
#include <cmath>

#include "common.h"

namespace clipmatch {
namespace cpu {
namespace {

float canonical_dot(const float* x, const float* y, int64_t dim) {
  float lane[16] = {0};
  int64_t padded = (dim + 15) / 16 * 16;
  for (int64_t i = 0; i < padded; ++i) {
    float a = i < dim ? x[i] : 0.0f, b = i < dim ? y[i] : 0.0f;
    lane[i % 16] = std::fma(a, b, lane[i % 16]);
  }
  for (int width = 8; width >= 1; width /= 2)
    for (int l = 0; l < width; ++l) lane[l] += lane[l + width];
  return lane[0];
}

}  // namespace

void score_block_portable(const float* q, int64_t nq, int64_t ldq, const float* c, int64_t nc, int64_t ldc,
                          int64_t dim, float* out, int64_t ldo) {
  for (int64_t i = 0; i < nq; ++i)
    for (int64_t j = 0; j < nc; ++j) out[i * ldo + j] = canonical_dot(q + i * ldq, c + j * ldc, dim);
}

}  // namespace cpu
}  // namespace clipmatch
