// Fused similarity: normalised panels -> score tiles -> scale -> written once, with each row's maximum
// folded in the tile epilogue; with softmax a second pass per row adds exp(x - max) (double, as on the CPU)
// and rewrites the row as probabilities, so rows of any length work in O(rows) extra memory.
#include <string>

#include "common.cuh"
#include "tiles.cuh"

namespace clipmatch {
namespace cuda {
namespace {

struct SimilarityEpilogue {
  float* out;
  unsigned* row_max;  // ordered bits of each row's maximum; null without softmax
  int64_t n, m;
  float scale;

  template <int BM, int BN, class Tile>
  __device__ void apply(const Tile& tile, int q0, int c0) const {
    __shared__ unsigned tile_max[BM];
    if (row_max != nullptr) {
      for (int i = threadIdx.x; i < BM; i += blockDim.x) tile_max[i] = 0;
      __syncthreads();
    }
    tile.for_each([&](int r, int c, float s) {
      int64_t q = q0 + r, cand = c0 + c;
      if (q >= n || cand >= m) return;
      float v = s * scale;
      out[q * m + cand] = v;
      if (row_max != nullptr) atomicMax(&tile_max[r], ordered_bits(v));
    });
    if (row_max != nullptr) {
      __syncthreads();
      for (int i = threadIdx.x; i < BM; i += blockDim.x)
        if (tile_max[i] != 0) atomicMax(row_max + q0 + i, tile_max[i]);
    }
  }
};

constexpr int kSoftmaxThreads = 256;

__device__ double block_sum(double v) {
  __shared__ double partial[kSoftmaxThreads / 32];
  for (int o = 16; o > 0; o /= 2) v += __shfl_xor_sync(0xffffffffu, v, o);
  if ((threadIdx.x & 31) == 0) partial[threadIdx.x >> 5] = v;
  __syncthreads();
  double total = 0.0;
  for (int w = 0; w < kSoftmaxThreads / 32; ++w) total += partial[w];
  return total;
}

// One block per row: probabilities exp(x - max) / sum, the sum in double, rounded once to float.
__global__ void __launch_bounds__(kSoftmaxThreads) softmax_rows(float* out, int64_t m, const unsigned* row_max) {
  float* row = out + static_cast<int64_t>(blockIdx.x) * m;
  double max = from_ordered_bits(row_max[blockIdx.x]);
  double sum = 0.0;
  for (int64_t j = threadIdx.x; j < m; j += blockDim.x) sum += exp(static_cast<double>(row[j]) - max);
  sum = block_sum(sum);
  for (int64_t j = threadIdx.x; j < m; j += blockDim.x)
    row[j] = static_cast<float>(exp(static_cast<double>(row[j]) - max) / sum);
}

}  // namespace
}  // namespace cuda
}  // namespace clipmatch

using namespace clipmatch::cuda;

extern "C" int cm_cuda_similarity_dev(const void* a, int64_t n, const void* b, int64_t m, int64_t dim, int dtype,
                                      int normalize, float scale, int softmax, float* out, void* stream_ptr) {
  CM_RETURN_IF(check_matrix(a, n, dim, "similarity queries"));
  CM_RETURN_IF(check_matrix(b, m, dim, "similarity candidates"));
  CM_RETURN_IF(check_dtype(dtype, "similarity"));
  if (out == nullptr) return fail(CM_ERR_ARGUMENT, "similarity: null output");
  if (softmax != 0 && n > 0x7fffffffLL) return fail(CM_ERR_ARGUMENT, "similarity: too many rows for softmax");
  CM_RETURN_IF(require_device());
  cudaStream_t stream = static_cast<cudaStream_t>(stream_ptr);
  Status status;
  CM_RETURN_IF(status.init(stream));
  DeviceBuffer a_store, b_store, row_max;
  Panel pa, pb;
  CM_RETURN_IF(make_panel(a, n, dim, dtype, normalize != 0, stream, status.slot(kBadRowA), a_store, pa));
  CM_RETURN_IF(make_panel(b, m, dim, dtype, normalize != 0, stream, status.slot(kBadRowB), b_store, pb));
  if (softmax != 0) {
    CM_RETURN_IF(row_max.allocate(sizeof(unsigned) * pa.rows_pad, stream, "row maxima"));
    CM_CUDA_CALL(cudaMemsetAsync(row_max.as<void>(), 0, sizeof(unsigned) * pa.rows_pad, stream), "similarity");
  }
  SimilarityEpilogue epi{out, softmax != 0 ? row_max.as<unsigned>() : nullptr, n, m, scale};
  CM_RETURN_IF(run_tiles(pa, 0, n, pb, 0, m, epi, stream));
  if (softmax != 0) {
    softmax_rows<<<static_cast<unsigned>(n), kSoftmaxThreads, 0, stream>>>(out, m, row_max.as<unsigned>());
    CM_LAUNCHED("softmax");
  }
  static const char* const messages[kSlots] = {"similarity queries: zero or non-finite norm in row ",
                                               "similarity candidates: zero or non-finite norm in row ", "", ""};
  return status.finish(stream, messages);
}

extern "C" int cm_cuda_similarity(const float* a, int64_t n, const float* b, int64_t m, int64_t dim, int normalize,
                                  float scale, int softmax, float* out) {
  CM_RETURN_IF(check_matrix(a, n, dim, "similarity queries"));
  CM_RETURN_IF(check_matrix(b, m, dim, "similarity candidates"));
  if (out == nullptr) return fail(CM_ERR_ARGUMENT, "similarity: null output");
  CM_RETURN_IF(require_device());
  cudaStream_t stream = cudaStreamPerThread;
  DeviceBuffer da, db, dout;
  CM_RETURN_IF(upload(a, sizeof(float) * n * dim, stream, da, "similarity queries"));
  CM_RETURN_IF(upload(b, sizeof(float) * m * dim, stream, db, "similarity candidates"));
  CM_RETURN_IF(dout.allocate(sizeof(float) * n * m, stream, "similarity output"));
  CM_RETURN_IF(cm_cuda_similarity_dev(da.as<void>(), n, db.as<void>(), m, dim, CM_CUDA_F32, normalize, scale,
                                      softmax, dout.as<float>(), stream));
  CM_CUDA_CALL(cudaMemcpyAsync(out, dout.as<void>(), sizeof(float) * n * m, cudaMemcpyDeviceToHost, stream),
               "similarity: copying the scores back");
  CM_CUDA_CALL(cudaStreamSynchronize(stream), "similarity");
  return CM_OK;
}
