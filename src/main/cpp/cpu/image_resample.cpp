// Pillow-exact 8-bit separable resampling (see clipmatch/image.h for the contract).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CM_IMAGE_X86 1
#endif

#include "clipmatch/image.h"

namespace clipmatch {
namespace {

thread_local std::string last_error;

int fail(int code, const char* message) {
  last_error = message;
  return code;
}

constexpr int kPrecisionBits = 22;                      // Pillow: 32 - 8 bits of result - 2 bits of headroom
constexpr int32_t kHalf = 1 << (kPrecisionBits - 1);    // rounding term
constexpr int64_t kReadSlack = 8;   // bytes the vector loads may read past a pixel
constexpr int64_t kWriteSlack = 4;  // bytes the vector stores may write past a sample

inline uint8_t clip8(int32_t acc) {
  int32_t v = acc >> kPrecisionBits;  // arithmetic shift: floor, as Pillow's table lookup
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

// One source row -> out_w samples of C channels (interleaved).
template <int C>
void horizontal_scalar(const uint8_t* row, int pixel_stride, int64_t out_w, const int32_t* bounds,
                       const int32_t* coeffs, int64_t taps, uint8_t* dst) {
  for (int64_t xx = 0; xx < out_w; ++xx) {
    const int32_t* k = coeffs + xx * taps;
    const uint8_t* p = row + static_cast<int64_t>(bounds[2 * xx]) * pixel_stride;
    const int32_t count = bounds[2 * xx + 1];
    int32_t acc[C];
    for (int c = 0; c < C; ++c) acc[c] = kHalf;
    for (int32_t t = 0; t < count; ++t, p += pixel_stride)
      for (int c = 0; c < C; ++c) acc[c] += p[c] * k[t];
    for (int c = 0; c < C; ++c) dst[xx * C + c] = clip8(acc[c]);
  }
}

#ifdef CM_IMAGE_X86
// The vector paths read whole 4-byte words per pixel (and 8 bytes per pair of pixels): the caller guarantees
// kReadSlack readable bytes after every pixel, and kWriteSlack writable bytes after every output sample.
inline int32_t load32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Three channels in the lanes of one vector: the same integer sums as the scalar loop, lane by lane.
__attribute__((target("sse4.1"))) inline __m128i finish_rgb(__m128i acc) {
  acc = _mm_srai_epi32(acc, kPrecisionBits);
  // Saturating packs clamp to 0..255 exactly like clip8.
  return _mm_packus_epi16(_mm_packs_epi32(acc, acc), _mm_setzero_si128());
}

__attribute__((target("sse4.1"))) void horizontal_rgb_sse41(const uint8_t* row, int pixel_stride, int64_t out_w,
                                                            const int32_t* bounds, const int32_t* coeffs,
                                                            int64_t taps, uint8_t* dst) {
  for (int64_t xx = 0; xx < out_w; ++xx) {
    const int32_t* k = coeffs + xx * taps;
    const uint8_t* p = row + static_cast<int64_t>(bounds[2 * xx]) * pixel_stride;
    const int32_t count = bounds[2 * xx + 1];
    __m128i acc = _mm_set1_epi32(kHalf);
    for (int32_t t = 0; t < count; ++t, p += pixel_stride) {
      __m128i v = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(load32(p)));
      acc = _mm_add_epi32(acc, _mm_mullo_epi32(v, _mm_set1_epi32(k[t])));
    }
    int32_t out = _mm_cvtsi128_si32(finish_rgb(acc));
    std::memcpy(dst + xx * 3, &out, 4);  // the 4th byte is overwritten by the next sample (or is slack)
  }
}

// Two taps per step: pixels t and t+1 side by side in the two 128-bit halves.
__attribute__((target("avx2"))) void horizontal_rgb_avx2(const uint8_t* row, int pixel_stride, int64_t out_w,
                                                         const int32_t* bounds, const int32_t* coeffs, int64_t taps,
                                                         uint8_t* dst) {
  const __m128i spread = pixel_stride == 3 ? _mm_setr_epi8(0, 1, 2, -1, 3, 4, 5, -1, -1, -1, -1, -1, -1, -1, -1, -1)
                                           : _mm_setr_epi8(0, 1, 2, -1, 4, 5, 6, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m256i pair_index = _mm256_setr_epi32(0, 0, 0, 0, 1, 1, 1, 1);
  for (int64_t xx = 0; xx < out_w; ++xx) {
    const int32_t* k = coeffs + xx * taps;
    const uint8_t* p = row + static_cast<int64_t>(bounds[2 * xx]) * pixel_stride;
    const int32_t count = bounds[2 * xx + 1];
    __m256i acc2 = _mm256_setzero_si256();
    int32_t t = 0;
    for (; t + 1 < count; t += 2, p += 2 * pixel_stride) {
      __m128i bytes = _mm_shuffle_epi8(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)), spread);
      __m256i w = _mm256_permutevar8x32_epi32(_mm256_castsi128_si256(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(k + t))), pair_index);
      acc2 = _mm256_add_epi32(acc2, _mm256_mullo_epi32(_mm256_cvtepu8_epi32(bytes), w));
    }
    __m128i acc = _mm_add_epi32(_mm_set1_epi32(kHalf), _mm_add_epi32(_mm256_castsi256_si128(acc2), _mm256_extracti128_si256(acc2, 1)));
    if (t < count) {
      __m128i v = _mm_cvtepu8_epi32(_mm_cvtsi32_si128(load32(p)));
      acc = _mm_add_epi32(acc, _mm_mullo_epi32(v, _mm_set1_epi32(k[t])));
    }
    int32_t out = _mm_cvtsi128_si32(finish_rgb(acc));
    std::memcpy(dst + xx * 3, &out, 4);
  }
}

bool has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}

bool has_sse41() {
  static const bool yes = __builtin_cpu_supports("sse4.1");
  return yes;
}
#endif

bool isa_available(int isa) {
  switch (isa) {
    case CM_IMAGE_ISA_BEST:
    case CM_IMAGE_ISA_PORTABLE:
      return true;
#ifdef CM_IMAGE_X86
    case CM_IMAGE_ISA_SSE41:
      return has_sse41();
    case CM_IMAGE_ISA_AVX2:
      return has_avx2();
#endif
    default:
      return false;
  }
}

std::atomic<int> chosen_isa{CM_IMAGE_ISA_BEST};

using HorizontalFn = void (*)(const uint8_t*, int, int64_t, const int32_t*, const int32_t*, int64_t, uint8_t*);

HorizontalFn horizontal_rgb() {
  int isa = chosen_isa.load(std::memory_order_relaxed);
#ifdef CM_IMAGE_X86
  if ((isa == CM_IMAGE_ISA_BEST && has_avx2()) || isa == CM_IMAGE_ISA_AVX2) return horizontal_rgb_avx2;
  if ((isa == CM_IMAGE_ISA_BEST && has_sse41()) || isa == CM_IMAGE_ISA_SSE41) return horizontal_rgb_sse41;
#endif
  return horizontal_scalar<3>;
}

// One output row of the vertical pass over the 8-bit intermediate rows; compiled for AVX2 and baseline
// (the loop vectorises on its own) and picked at load time.
#if defined(CM_IMAGE_X86) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx2", "default")))
#endif
void vertical_row(const uint8_t* rows, int64_t row_len, int32_t count, const int32_t* k, int32_t* acc,
                  uint8_t* dst) {
  for (int64_t i = 0; i < row_len; ++i) acc[i] = kHalf;
  for (int32_t t = 0; t < count; ++t) {
    const uint8_t* r = rows + t * row_len;
    const int32_t w = k[t];
    for (int64_t i = 0; i < row_len; ++i) acc[i] += r[i] * w;
  }
  for (int64_t i = 0; i < row_len; ++i) {
    int32_t v = acc[i] >> kPrecisionBits;
    dst[i] = static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
  }
}

bool valid_pass(const int32_t* bounds, const int32_t* coeffs, int64_t n, int64_t taps, int64_t limit) {
  if (bounds == nullptr || coeffs == nullptr || n < 1 || taps < 1) return false;
  for (int64_t i = 0; i < n; ++i) {
    int64_t first = bounds[2 * i], count = bounds[2 * i + 1];
    if (first < 0 || count < 1 || count > taps || first + count > limit) return false;
  }
  return true;
}

}  // namespace

extern "C" int cm_image_resample_u8(const uint8_t* src, int64_t width, int64_t height, int64_t row_stride,
                         int pixel_stride, int channels, const int32_t* channel_source,
                         int64_t out_w, const int32_t* h_bounds, const int32_t* h_coeffs, int64_t h_taps,
                         int64_t out_h, const int32_t* v_bounds, const int32_t* v_coeffs, int64_t v_taps,
                         const float* lut, float* out) {
  if (src == nullptr || lut == nullptr || out == nullptr || channel_source == nullptr)
    return fail(CM_ERR_ARGUMENT, "resample: null pointer");
  if (width < 1 || height < 1 || (channels != 1 && channels != 3) || pixel_stride < channels || pixel_stride > 4 ||
      (channels == 3 && pixel_stride == 2) ||
      row_stride < width * pixel_stride)
    return fail(CM_ERR_ARGUMENT, "resample: bad source layout (size, channels or strides)");
  for (int p = 0; p < 3; ++p)
    if (channel_source[p] < 0 || channel_source[p] >= channels)
      return fail(CM_ERR_ARGUMENT, "resample: channel source outside the source's channels");
  if (!valid_pass(h_bounds, h_coeffs, out_w, h_taps, width))
    return fail(CM_ERR_ARGUMENT, "resample: bad horizontal pass (bounds outside the source or bad taps)");
  if (!valid_pass(v_bounds, v_coeffs, out_h, v_taps, height))
    return fail(CM_ERR_ARGUMENT, "resample: bad vertical pass (bounds outside the source or bad taps)");

  // Only the source rows that some output row reads go through the horizontal pass.
  int64_t y0 = height, y1 = 0;
  for (int64_t yy = 0; yy < out_h; ++yy) {
    y0 = std::min<int64_t>(y0, v_bounds[2 * yy]);
    y1 = std::max<int64_t>(y1, static_cast<int64_t>(v_bounds[2 * yy]) + v_bounds[2 * yy + 1]);
  }
  const int64_t row_len = out_w * channels;
  try {
    const HorizontalFn rgb = horizontal_rgb();
    std::vector<uint8_t> temp(static_cast<size_t>((y1 - y0) * row_len + kWriteSlack));
    // Rows are read in place, except the image's last row, whose copy gets the slack the vector loads need.
    std::vector<uint8_t> last_row;
    for (int64_t y = y0; y < y1; ++y) {
      const uint8_t* row = src + y * row_stride;
      if (y == height - 1 && channels == 3) {
        last_row.assign(row, row + width * pixel_stride);
        last_row.resize(last_row.size() + kReadSlack);
        row = last_row.data();
      }
      uint8_t* dst = temp.data() + (y - y0) * row_len;
      (channels == 1 ? horizontal_scalar<1> : rgb)(row, pixel_stride, out_w, h_bounds, h_coeffs, h_taps, dst);
    }

    std::vector<int32_t> acc(static_cast<size_t>(row_len));
    std::vector<uint8_t> line(static_cast<size_t>(row_len));
    const int64_t plane = out_w * out_h;
    for (int64_t yy = 0; yy < out_h; ++yy) {
      vertical_row(temp.data() + (v_bounds[2 * yy] - y0) * row_len, row_len, v_bounds[2 * yy + 1],
                   v_coeffs + yy * v_taps, acc.data(), line.data());
      for (int p = 0; p < 3; ++p) {
        const float* table = lut + p * 256;
        const uint8_t* s = line.data() + channel_source[p];
        float* o = out + p * plane + yy * out_w;
        for (int64_t xx = 0; xx < out_w; ++xx) o[xx] = table[s[xx * channels]];
      }
    }
  } catch (const std::bad_alloc&) {
    return fail(CM_ERR_MEMORY, "resample: out of memory");
  }
  return CM_OK;
}

extern "C" int cm_image_use_isa(int isa) {
  if (!isa_available(isa)) return fail(CM_ERR_ARGUMENT, "use_isa: unknown instruction set, or this CPU lacks it");
  chosen_isa.store(isa);
  return CM_OK;
}

extern "C" const char* cm_image_last_error(void) { return last_error.c_str(); }

}  // namespace clipmatch
