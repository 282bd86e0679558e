// Transformer layer kernels for batch-invariant encoding: an item's result never depends on which rows share
// its call, where its rows fall, or which instruction set runs (see docs/ARCHITECTURE.md, "Batch invariance").
// Same conventions as kernels.h (row-major contiguous float32, status codes of status.h). These run on the
// calling thread (callers encode independent chunks concurrently) and keep no pointer after returning.
//
// Linear: y[r][o] = chain(r, o) + bias[o], where chain(r, o) starts at +0 and takes, for k = 0, 1, ..., in-1 in
// that order, acc = fma(x[r][k], w[o][k], acc) (one rounding per step). Every ISA variant (AVX-512, AVX2,
// portable) and every row/column tile computes exactly this chain, so results are bit-identical to
// dev.clipmatch.kernels.ReferenceLayers. The weight w [out][in] (nn.Linear's layout) is packed once into K-major
// panels of 16 output columns (zero-padded): panel p holds w[16p + j][k] at packed[(p * in + k) * 16 + j].
//
// Layer norm: per row, mean and variance in double (sums over 8 lanes, lane l taking k = l, l+8, ...,
// combined as l[i] += l[i+4], l[i] += l[i+2], l[0] + l[1]), then y = (float)((x - mean) / sqrt(var + eps) *
// gamma + beta) in double.
#ifndef CLIPMATCH_LAYERS_H
#define CLIPMATCH_LAYERS_H

#include <stdint.h>

#include "clipmatch/status.h"

#ifdef __cplusplus
extern "C" {
#endif

// Floats that the packed form of an out x in weight occupies (out rounded up to 16, times in).
CM_API int cm_linear_packed_size(int64_t out, int64_t in, int64_t* floats);

// Packs w [out][in] into `packed` (cm_linear_packed_size floats).
CM_API int cm_linear_pack(const float* w, int64_t out, int64_t in, float* packed);

// y [rows][out] = x [rows][in] times the packed weight, plus bias [out] when bias is not null.
CM_API int cm_linear(const float* x, int64_t rows, int64_t in, const float* packed, const float* bias, int64_t out,
                     float* y);

// y [rows][dim] = layer norm of each row of x with gamma, beta [dim]; y may be x.
CM_API int cm_layer_norm(const float* x, int64_t rows, int64_t dim, const float* gamma, const float* beta, float eps,
                         float* y);

// The instruction set cm_linear uses on this CPU ("avx512", "avx2" or "portable"; CLIPMATCH_CPU_ISA forces one).
CM_API const char* cm_linear_isa(void);

#ifdef __cplusplus
}
#endif

#endif
