// cm_layer_norm: one fixed order per row (clipmatch/layers.h), so a row's result never depends on its neighbours.
#include <cmath>

#include "clipmatch/layers.h"
#include "common.h"

namespace {

constexpr int kLanes = 8;

// Sum of f(k) over [0, dim) in 8 double lanes combined pairwise (the order layers.h documents).
template <typename F>
double lane_sum(int64_t dim, F f) {
  double lane[kLanes] = {};
  int64_t k = 0;
  for (; k + kLanes <= dim; k += kLanes)
    for (int l = 0; l < kLanes; l++) lane[l] += f(k + l);
  for (int l = 0; k < dim; k++, l++) lane[l] += f(k);
  for (int l = 0; l < 4; l++) lane[l] += lane[l + 4];
  for (int l = 0; l < 2; l++) lane[l] += lane[l + 2];
  return lane[0] + lane[1];
}

}  // namespace

extern "C" int cm_layer_norm(const float* x, int64_t rows, int64_t dim, const float* gamma, const float* beta,
                             float eps, float* y) {
  using clipmatch::cpu::fail;
  if (rows < 0 || dim < 1) return fail(CM_ERR_ARGUMENT, "layer_norm: bad shape");
  if (rows == 0) return CM_OK;
  if (x == nullptr || gamma == nullptr || beta == nullptr || y == nullptr)
    return fail(CM_ERR_ARGUMENT, "layer_norm: null pointer");
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * dim;
    float* yr = y + r * dim;
    double mean = lane_sum(dim, [xr](int64_t k) { return static_cast<double>(xr[k]); }) / static_cast<double>(dim);
    double var = lane_sum(dim, [xr, mean](int64_t k) {
                   double d = xr[k] - mean;
                   return d * d;
                 }) / static_cast<double>(dim);
    double rstd = 1.0 / std::sqrt(var + static_cast<double>(eps));
    for (int64_t k = 0; k < dim; k++)
      yr[k] = static_cast<float>((xr[k] - mean) * rstd * static_cast<double>(gamma[k]) + static_cast<double>(beta[k]));
  }
  return CM_OK;
}
