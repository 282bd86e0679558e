// Exact streaming top-K: per-tile selection in the tile epilogue plus a per-query merge.
//
// Candidates are processed in chunks of kChunk. Each query keeps its best keys so far (sorted, at most K)
// and the K-th key as a threshold; the epilogue of a chunk's score tiles keeps only candidates whose key
// beats the threshold (a handful once the list is full) and appends them to a per-query survivor buffer;
// the merge kernel sorts the survivors and merges them into the list. Keys order by score, then lower
// index, so the result is exact and independent of the chunk order. Memory: O(queries x K) for the lists
// plus O(query group x kChunk) for survivors; the score matrix is never stored.
#include <algorithm>
#include <string>

#include "common.cuh"
#include "tiles.cuh"

namespace clipmatch {
namespace cuda {
namespace {

constexpr int64_t kChunk = 4096;                      // candidates per chunk: a multiple of kRowPad
constexpr int64_t kSurvivorBudget = 1LL << 30;        // bytes of survivor buffer per query group
constexpr int kMergeThreads = 256;

struct TopkEpilogue {
  const unsigned long long* threshold;  // per query of the group; 0 = list not full yet, take everything
  unsigned long long* survivors;        // [group query][kChunk]
  int* survivor_count;
  int64_t n, m;        // rows of the group, candidates of the chunk
  int64_t cand0;       // global index of the chunk's first candidate

  template <int BM, int BN, class Tile>
  __device__ void apply(const Tile& tile, int q0, int c0) const {
    __shared__ int count[BM];
    __shared__ int base[BM];
    for (int i = threadIdx.x; i < BM; i += blockDim.x) count[i] = 0;
    __syncthreads();
    auto keep = [&](int r, int c, float s, unsigned long long& key) {
      int64_t q = q0 + r, cand = c0 + c;
      if (q >= n || cand >= m) return false;
      key = make_key(s, cand0 + cand);
      return key > threshold[q];
    };
    tile.for_each([&](int r, int c, float s) {
      unsigned long long key;
      if (keep(r, c, s, key)) atomicAdd(&count[r], 1);
    });
    __syncthreads();
    for (int i = threadIdx.x; i < BM; i += blockDim.x) {
      base[i] = count[i] != 0 ? atomicAdd(survivor_count + q0 + i, count[i]) : 0;
      count[i] = 0;
    }
    __syncthreads();
    tile.for_each([&](int r, int c, float s) {
      unsigned long long key;
      if (keep(r, c, s, key)) survivors[(q0 + r) * kChunk + base[r] + atomicAdd(&count[r], 1)] = key;
    });
  }
};

// Number of keys in the descending array a[0..len) that are greater than x.
__device__ inline int count_greater(const unsigned long long* a, int len, unsigned long long x) {
  int lo = 0, hi = len;
  while (lo < hi) {
    int mid = (lo + hi) >> 1;
    if (a[mid] > x)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

// One block per query of the group: sort the survivors (bitonic, descending), then merge them with the
// list by rank: an element's place in the union is its place in its own array plus the number of keys of
// the other array above it (keys are unique).
__global__ void __launch_bounds__(kMergeThreads) merge_survivors(unsigned long long* lists, int* lengths,
                                                                 unsigned long long* threshold,
                                                                 const unsigned long long* survivors,
                                                                 int* survivor_count, int k) {
  extern __shared__ unsigned long long shared_keys[];
  int q = blockIdx.x;
  int s = survivor_count[q];
  if (s == 0) return;
  int cur = lengths[q];
  unsigned long long* sorted = shared_keys;        // kChunk
  unsigned long long* list = shared_keys + kChunk;  // k
  int padded = 1;
  while (padded < s) padded <<= 1;
  const unsigned long long* mine = survivors + static_cast<int64_t>(q) * kChunk;
  unsigned long long* out = lists + static_cast<int64_t>(q) * k;
  for (int i = threadIdx.x; i < padded; i += blockDim.x) sorted[i] = i < s ? mine[i] : 0ull;
  for (int i = threadIdx.x; i < cur; i += blockDim.x) list[i] = out[i];
  __syncthreads();
  for (int size = 2; size <= padded; size <<= 1) {
    for (int stride = size >> 1; stride > 0; stride >>= 1) {
      for (int i = threadIdx.x; i < padded; i += blockDim.x) {
        int j = i ^ stride;
        if (j > i) {
          bool descending = (i & size) == 0;
          unsigned long long x = sorted[i], y = sorted[j];
          if (descending ? x < y : x > y) sorted[i] = y, sorted[j] = x;
        }
      }
      __syncthreads();
    }
  }
  for (int i = threadIdx.x; i < s; i += blockDim.x) {
    int at = i + count_greater(list, cur, sorted[i]);
    if (at < k) out[at] = sorted[i];
  }
  for (int j = threadIdx.x; j < cur; j += blockDim.x) {
    int at = j + count_greater(sorted, s, list[j]);
    if (at < k) out[at] = list[j];
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    int length = min(k, cur + s);
    lengths[q] = length;
    threshold[q] = length == k ? out[k - 1] : 0ull;
    survivor_count[q] = 0;
  }
}

__global__ void unpack_lists(const unsigned long long* lists, int64_t entries, float* scores, int64_t* indices) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < entries;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    scores[e] = key_score(lists[e]);
    indices[e] = key_index(lists[e]);
  }
}

}  // namespace
}  // namespace cuda
}  // namespace clipmatch

using namespace clipmatch::cuda;

namespace {

// Argument checks shared by the host- and device-pointer entry points.
int check_topk_args(const void* queries, int64_t nq, const void* cands, int64_t nc, int64_t dim, int64_t k,
                    const float* scores, const int64_t* indices) {
  CM_RETURN_IF(check_matrix(queries, nq, dim, "topk queries"));
  CM_RETURN_IF(check_matrix(cands, nc, dim, "topk candidates"));
  if (k < 1 || k > nc)
    return fail(CM_ERR_ARGUMENT, "topk: k = " + std::to_string(k) + " is outside [1, " + std::to_string(nc) + "]");
  if (k > CM_CUDA_MAX_K)
    return fail(CM_ERR_ARGUMENT, "topk: k = " + std::to_string(k) + " is above the CUDA kernels' limit of " +
                                     std::to_string(CM_CUDA_MAX_K));
  if (scores == nullptr || indices == nullptr) return fail(CM_ERR_ARGUMENT, "topk: null output");
  return CM_OK;
}

}  // namespace

extern "C" int cm_cuda_topk_dev(const void* queries, int64_t nq, const void* cands, int64_t nc, int64_t dim,
                                int dtype, int64_t k, int normalize, float* scores, int64_t* indices,
                                void* stream_ptr) {
  CM_RETURN_IF(check_dtype(dtype, "topk"));
  CM_RETURN_IF(check_topk_args(queries, nq, cands, nc, dim, k, scores, indices));
  CM_RETURN_IF(require_device());
  cudaStream_t stream = static_cast<cudaStream_t>(stream_ptr);
  Status status;
  CM_RETURN_IF(status.init(stream));
  DeviceBuffer q_store, c_store, lists, lengths, threshold, survivors, survivor_count;
  Panel q, c;
  CM_RETURN_IF(make_panel(queries, nq, dim, dtype, normalize != 0, stream, status.slot(kBadRowA), q_store, q));
  CM_RETURN_IF(make_panel(cands, nc, dim, dtype, normalize != 0, stream, status.slot(kBadRowB), c_store, c));
  int64_t group = kSurvivorBudget / (kChunk * static_cast<int64_t>(sizeof(unsigned long long)));
  group = std::min(group, q.rows_pad);
  CM_RETURN_IF(lists.allocate(sizeof(unsigned long long) * nq * k, stream, "topk lists"));
  CM_RETURN_IF(lengths.allocate(sizeof(int) * nq, stream, "topk list lengths"));
  CM_RETURN_IF(threshold.allocate(sizeof(unsigned long long) * nq, stream, "topk thresholds"));
  CM_RETURN_IF(survivors.allocate(sizeof(unsigned long long) * group * kChunk, stream, "topk survivors"));
  CM_RETURN_IF(survivor_count.allocate(sizeof(int) * group, stream, "topk survivor counts"));
  CM_CUDA_CALL(cudaMemsetAsync(lengths.as<void>(), 0, sizeof(int) * nq, stream), "topk");
  CM_CUDA_CALL(cudaMemsetAsync(threshold.as<void>(), 0, sizeof(unsigned long long) * nq, stream), "topk");
  CM_CUDA_CALL(cudaMemsetAsync(survivor_count.as<void>(), 0, sizeof(int) * group, stream), "topk");
  size_t merge_smem = sizeof(unsigned long long) * (kChunk + k);
  CM_CUDA_CALL(cudaFuncSetAttribute(merge_survivors, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    static_cast<int>(merge_smem)),
               "topk merge: shared memory");
  for (int64_t g0 = 0; g0 < nq; g0 += group) {
    int64_t rows = std::min(group, nq - g0);
    for (int64_t c0 = 0; c0 < nc; c0 += kChunk) {
      int64_t cols = std::min(kChunk, nc - c0);
      TopkEpilogue epi{threshold.as<unsigned long long>() + g0, survivors.as<unsigned long long>(),
                       survivor_count.as<int>(), rows, cols, c0};
      CM_RETURN_IF(run_tiles(q, g0, rows, c, c0, cols, epi, stream));
      merge_survivors<<<static_cast<unsigned>(rows), kMergeThreads, merge_smem, stream>>>(
          lists.as<unsigned long long>() + g0 * k, lengths.as<int>() + g0, threshold.as<unsigned long long>() + g0,
          survivors.as<unsigned long long>(), survivor_count.as<int>(), static_cast<int>(k));
      CM_LAUNCHED("topk merge");
    }
  }
  unpack_lists<<<grid_for(nq * k, 256), 256, 0, stream>>>(lists.as<unsigned long long>(), nq * k, scores, indices);
  CM_LAUNCHED("topk output");
  static const char* const messages[kSlots] = {"topk queries: zero or non-finite norm in row ",
                                               "topk candidates: zero or non-finite norm in row ", "", ""};
  return status.finish(stream, messages);
}

extern "C" int cm_cuda_topk(const float* queries, int64_t nq, const float* cands, int64_t nc, int64_t dim, int64_t k,
                            int normalize, float* scores, int64_t* indices) {
  CM_RETURN_IF(check_topk_args(queries, nq, cands, nc, dim, k, scores, indices));
  CM_RETURN_IF(require_device());
  cudaStream_t stream = cudaStreamPerThread;
  DeviceBuffer dq, dc, ds, di;
  CM_RETURN_IF(upload(queries, sizeof(float) * nq * dim, stream, dq, "topk queries"));
  CM_RETURN_IF(upload(cands, sizeof(float) * nc * dim, stream, dc, "topk candidates"));
  CM_RETURN_IF(ds.allocate(sizeof(float) * nq * k, stream, "topk scores"));
  CM_RETURN_IF(di.allocate(sizeof(int64_t) * nq * k, stream, "topk indices"));
  CM_RETURN_IF(cm_cuda_topk_dev(dq.as<void>(), nq, dc.as<void>(), nc, dim, CM_CUDA_F32, k, normalize, ds.as<float>(),
                                di.as<int64_t>(), stream));
  CM_CUDA_CALL(cudaMemcpyAsync(scores, ds.as<void>(), sizeof(float) * nq * k, cudaMemcpyDeviceToHost, stream),
               "topk: copying back");
  CM_CUDA_CALL(cudaMemcpyAsync(indices, di.as<void>(), sizeof(int64_t) * nq * k, cudaMemcpyDeviceToHost, stream),
               "topk: copying back");
  CM_CUDA_CALL(cudaStreamSynchronize(stream), "topk");
  return CM_OK;
}
