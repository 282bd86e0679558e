// Internals shared by the CUDA kernels: error reporting, stream-ordered buffers, the device status word,
// sortable score keys and the padded operand panels that every kernel reads.
#ifndef CLIPMATCH_CUDA_COMMON_CUH
#define CLIPMATCH_CUDA_COMMON_CUH

#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "clipmatch/kernels_cuda.h"

namespace clipmatch {
namespace cuda {

// Records the message for cm_cuda_last_error() and returns the code.
int fail(int code, const std::string& message);
// CM_ERR_DEVICE (CM_ERR_MEMORY for an allocation failure) with "what: <CUDA's error text>".
int device_fail(const char* what, cudaError_t err);

#define CM_CUDA_CALL(call, what)                                       \
  do {                                                                 \
    cudaError_t cm_err_ = (call);                                      \
    if (cm_err_ != cudaSuccess) return ::clipmatch::cuda::device_fail(what, cm_err_); \
  } while (0)
#define CM_RETURN_IF(rc_expr)       \
  do {                              \
    int cm_rc_ = (rc_expr);         \
    if (cm_rc_ != CM_OK) return cm_rc_; \
  } while (0)
// After a kernel launch: launch-configuration errors and sticky errors of earlier work.
#define CM_LAUNCHED(what) CM_CUDA_CALL(cudaGetLastError(), what)

// Checks a device that exists and is usable before any work is queued (a clear error instead of the first
// failing call's text).
int require_device();

// Tensor-core engine of the fp16/bf16 tiles (CM_CUDA_ENGINE_*), process-wide.
int tensor_engine();

// Stream-ordered device memory, freed on the same stream when the owner goes out of scope (plain
// cudaMalloc/cudaFree where the device has no memory pools).
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  ~DeviceBuffer() { release(); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  int allocate(size_t bytes, cudaStream_t stream, const char* what);
  template <class T>
  T* as() const { return static_cast<T*>(ptr_); }
  void release();

 private:
  void* ptr_ = nullptr;
  cudaStream_t stream_ = nullptr;
  bool pooled_ = true;
};

// Data errors found on the device (a zero row, a positive out of range) land in four slots as the lowest
// offending index; they are read once, at the end of a call.
enum StatusSlot { kBadRowA = 0, kBadRowB = 1, kBadIndex = 2, kNoPositive = 3, kSlots = 4 };
constexpr unsigned long long kNoError = ~0ull;

class Status {
 public:
  int init(cudaStream_t stream);
  unsigned long long* slot(StatusSlot s) const { return buffer_.as<unsigned long long>() + s; }
  // Waits for the stream, then turns the first set slot into an error (messages[s] followed by the index).
  int finish(cudaStream_t stream, const char* const messages[kSlots]);

 private:
  DeviceBuffer buffer_;
};

// Operands in the layout the tile kernels read: rows padded with zero rows to a multiple of kRowPad and each
// row zero-padded to `ld` = dim rounded up to kColPad elements; float32 (canonical path) or fp16/bf16
// (tensor cores). Zero padding is what the canonical order prescribes for a dimension tail.
constexpr int64_t kRowPad = 128;
constexpr int64_t kColPad = 64;  // one 128-byte swizzle row of 16-bit elements (wgmma k tile)

struct Panel {
  const void* data = nullptr;
  int dtype = CM_CUDA_F32;
  int64_t rows = 0, rows_pad = 0, dim = 0, ld = 0;
};

// Copies (and with `normalize`, L2-normalises as kernels.h prescribes: sum of squares in double, row / norm
// rounded once) `rows` x `dim` elements of `dtype` at device pointer `src` into a new panel of the same
// dtype. A zero or non-finite norm sets `bad_row` on the device.
int make_panel(const void* src, int64_t rows, int64_t dim, int dtype, bool normalize, cudaStream_t stream,
               unsigned long long* bad_row, DeviceBuffer& storage, Panel& out);

int check_dtype(int dtype, const char* what);
int check_matrix(const void* p, int64_t rows, int64_t dim, const char* what);

// Host-to-device upload of `bytes` into a new buffer (for the host-pointer entry points).
int upload(const void* host, size_t bytes, cudaStream_t stream, DeviceBuffer& buffer, const char* what);

// Sortable 64-bit key of (score, index): a higher key is a better candidate (higher score, then lower index),
// so the best positive and the top-K are maxima over keys. -0.0 is folded into +0.0 (they compare equal).
__host__ __device__ inline uint32_t ordered_bits(float score) {
  if (score == 0.0f) score = 0.0f;
  uint32_t u;
  memcpy(&u, &score, sizeof u);
  return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}
__host__ __device__ inline float from_ordered_bits(uint32_t o) {
  uint32_t u = (o & 0x80000000u) ? (o & 0x7fffffffu) : ~o;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}
__host__ __device__ inline unsigned long long make_key(float score, int64_t index) {
  return (static_cast<unsigned long long>(ordered_bits(score)) << 32) |
         (0xffffffffu - static_cast<uint32_t>(index));
}
__host__ __device__ inline float key_score(unsigned long long key) {
  return from_ordered_bits(static_cast<uint32_t>(key >> 32));
}
__host__ __device__ inline int64_t key_index(unsigned long long key) {
  return 0xffffffffu - static_cast<uint32_t>(key & 0xffffffffu);
}
// Candidate indices must leave room for the index field of a key.
constexpr int64_t kMaxCandidates = 0xfffffffeLL;

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline unsigned grid_for(int64_t items, int threads) {
  int64_t blocks = ceil_div(items, threads);
  return static_cast<unsigned>(blocks < 1 ? 1 : (blocks > 65535LL * 1024 ? 65535LL * 1024 : blocks));
}

}  // namespace cuda
}  // namespace clipmatch

#endif
