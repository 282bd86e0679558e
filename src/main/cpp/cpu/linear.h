// Internals of cm_linear: the per-ISA implementations of one canonical FMA chain (see clipmatch/layers.h).
#ifndef CLIPMATCH_CPU_LINEAR_H
#define CLIPMATCH_CPU_LINEAR_H

#include <cstdint>

namespace clipmatch {
namespace cpu {

constexpr int64_t kPanel = 16;  // output columns per packed panel

// y [rows][out] (+ bias) from x [rows][in] and the packed weight; all three give bit-identical results.
using LinearFn = void (*)(const float* x, int64_t rows, int64_t in, const float* packed, const float* bias,
                          int64_t out, float* y);
void linear_portable(const float* x, int64_t rows, int64_t in, const float* packed, const float* bias, int64_t out,
                     float* y);
void linear_avx2(const float* x, int64_t rows, int64_t in, const float* packed, const float* bias, int64_t out,
                 float* y);
void linear_avx512(const float* x, int64_t rows, int64_t in, const float* packed, const float* bias, int64_t out,
                   float* y);

}  // namespace cpu
}  // namespace clipmatch

#endif
