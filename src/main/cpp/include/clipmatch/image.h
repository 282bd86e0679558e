// clipmatch image kernel: Pillow-exact separable resampling of 8-bit images (the integer path of Pillow's
// Resample.c), restricted to an output window, then a per-channel lookup table to float32, written planar.
//
// Conventions
// - The source is interleaved 8-bit: row y starts at src + y * row_stride, pixel x at + x * pixel_stride,
//   and the kernel reads `channels` (1 or 3) consecutive bytes of each pixel.
// - Each pass is given by Pillow's quantised coefficients: output index i reads `count = bounds[2i+1]` source
//   pixels from `first = bounds[2i]`, with weights coeffs[i * taps .. + count) in fixed point with 22
//   fraction bits. A sample is (2^21 + sum(pixel * weight)) >> 22, clamped to 0..255: Pillow's rounding.
// - The horizontal pass runs first, on the source rows the vertical pass needs (v_bounds are source row
//   numbers), and keeps 8-bit intermediates, as Pillow does. A pass that Pillow skips is expressed as the
//   identity: one tap of weight 2^22 per output index.
// - out is [3][out_h][out_w]: plane p, sample v of work channel channel_source[p] becomes lut[p * 256 + v].
#ifndef CLIPMATCH_IMAGE_H
#define CLIPMATCH_IMAGE_H

#include <stdint.h>

#include "clipmatch/status.h"

// Instruction sets of the horizontal pass, all bit-identical; tests force each one in turn.
#define CM_IMAGE_ISA_BEST 0
#define CM_IMAGE_ISA_PORTABLE 1
#define CM_IMAGE_ISA_SSE41 2
#define CM_IMAGE_ISA_AVX2 3

#ifdef __cplusplus
extern "C" {
#endif

// Returns a status code of status.h; the reason of a failure is cm_image_last_error().
CM_API int cm_image_resample_u8(const uint8_t* src, int64_t width, int64_t height, int64_t row_stride,
                         int pixel_stride, int channels, const int32_t* channel_source,
                         int64_t out_w, const int32_t* h_bounds, const int32_t* h_coeffs, int64_t h_taps,
                         int64_t out_h, const int32_t* v_bounds, const int32_t* v_coeffs, int64_t v_taps,
                         const float* lut, float* out);

// Process-wide choice of the horizontal pass's instruction set (default CM_IMAGE_ISA_BEST: the best the CPU
// has). Returns CM_ERR_ARGUMENT, changing nothing, when the CPU lacks the requested one.
CM_API int cm_image_use_isa(int isa);

#ifdef __cplusplus
}
#endif

#endif
