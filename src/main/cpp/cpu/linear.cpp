// cm_linear's C ABI, packing, ISA dispatch and the portable variant (the canonical chain, written out).
#include <cmath>

#include "clipmatch/layers.h"
#include "common.h"
#include "linear.h"

namespace clipmatch {
namespace cpu {

void linear_portable(const float* x, int64_t rows, int64_t in, const float* packed, const float* bias, int64_t out,
                     float* y) {
  for (int64_t r = 0; r < rows; r++) {
    const float* xr = x + r * in;
    for (int64_t o = 0; o < out; o++) {
      const float* w = packed + (o / kPanel) * kPanel * in + o % kPanel;
      float acc = 0.0f;
      for (int64_t k = 0; k < in; k++) acc = std::fma(xr[k], w[k * kPanel], acc);
      y[r * out + o] = bias != nullptr ? acc + bias[o] : acc;
    }
  }
}

namespace {

LinearFn linear_fn() {
  switch (chosen_isa()) {
    case Isa::kAvx512: return linear_avx512;
    case Isa::kAvx2: return linear_avx2;
    default: return linear_portable;
  }
}

int64_t panels(int64_t out) { return (out + kPanel - 1) / kPanel; }

int check_shape(int64_t out, int64_t in) {
  if (out < 1 || in < 1) return fail(CM_ERR_ARGUMENT, "linear: out and in must be positive");
  if (panels(out) > INT64_MAX / kPanel / in) return fail(CM_ERR_ARGUMENT, "linear: weight too large");
  return CM_OK;
}

}  // namespace
}  // namespace cpu
}  // namespace clipmatch

using namespace clipmatch;

extern "C" int cm_linear_packed_size(int64_t out, int64_t in, int64_t* floats) {
  if (int s = cpu::check_shape(out, in)) return s;
  if (floats == nullptr) return cpu::fail(CM_ERR_ARGUMENT, "linear_packed_size: null output");
  *floats = cpu::panels(out) * cpu::kPanel * in;
  return CM_OK;
}

extern "C" int cm_linear_pack(const float* w, int64_t out, int64_t in, float* packed) {
  if (int s = cpu::check_shape(out, in)) return s;
  if (w == nullptr || packed == nullptr) return cpu::fail(CM_ERR_ARGUMENT, "linear_pack: null pointer");
  for (int64_t p = 0; p < cpu::panels(out); p++) {
    float* panel = packed + p * cpu::kPanel * in;
    for (int64_t k = 0; k < in; k++)
      for (int64_t j = 0; j < cpu::kPanel; j++) {
        int64_t o = p * cpu::kPanel + j;
        panel[k * cpu::kPanel + j] = o < out ? w[o * in + k] : 0.0f;
      }
  }
  return CM_OK;
}

extern "C" int cm_linear(const float* x, int64_t rows, int64_t in, const float* packed, const float* bias,
                         int64_t out, float* y) {
  if (int s = cpu::check_shape(out, in)) return s;
  if (rows < 0) return cpu::fail(CM_ERR_ARGUMENT, "linear: negative row count");
  if (rows == 0) return CM_OK;
  if (x == nullptr || packed == nullptr || y == nullptr) return cpu::fail(CM_ERR_ARGUMENT, "linear: null pointer");
  cpu::linear_fn()(x, rows, in, packed, bias, out, y);
  return CM_OK;
}

extern "C" const char* cm_linear_isa(void) { return cpu::isa_name(cpu::chosen_isa()); }
