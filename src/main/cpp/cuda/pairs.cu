// Pair scores for the rank thresholds (see pairs.cuh).
#include "pairs.cuh"
#include "tiles.cuh"

namespace clipmatch {
namespace cuda {
namespace {

struct PairArgs {
  const int64_t* pair_query;
  const int64_t* pair_cand;
  int64_t pairs, nq, nc;
  float* scores;
  unsigned long long* best;
  unsigned long long* bad_index;
};

// Resolves pair p; false (and the error recorded) when an index is out of range.
__device__ inline bool resolve(const PairArgs& args, int64_t p, int64_t& q, int64_t& c) {
  q = args.pair_query[p];
  c = args.pair_cand != nullptr ? args.pair_cand[p] : p;
  if (q < 0 || q >= args.nq || c < 0 || c >= args.nc) {
    atomicMin(args.bad_index, static_cast<unsigned long long>(p));
    return false;
  }
  return true;
}

__device__ inline void record(const PairArgs& args, int64_t p, int64_t q, int64_t c, float s) {
  if (args.scores != nullptr) args.scores[p] = s;
  atomicMax(args.best + q, make_key(s, c));
}

__global__ void canonical_pairs(const float* __restrict__ a, int64_t lda, const float* __restrict__ b, int64_t ldb,
                                int steps16, PairArgs args) {
  for (int64_t p = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; p < args.pairs;
       p += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t q, c;
    if (!resolve(args, p, q, c)) continue;
    record(args, p, q, c, canonical_dot(a + q * lda, b + c * ldb, steps16));
  }
}

// A warp per 8 pairs; all 32 lanes take part in every mma, lanes of invalid pairs on row 0.
template <typename T>
__global__ void mma_pairs(const T* __restrict__ a, int64_t lda, const T* __restrict__ b, int64_t ldb, int steps16,
                          PairArgs args) {
  int lane = threadIdx.x & 31;
  int64_t warps = (static_cast<int64_t>(gridDim.x) * blockDim.x) >> 5;
  for (int64_t w = (blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x) >> 5; w * 8 < args.pairs;
       w += warps) {
    int64_t p = w * 8 + (lane >> 2), q = 0, c = 0;
    bool valid = p < args.pairs && resolve(args, p, q, c);
    if (!valid) q = 0, c = 0;
    float s = mma_pair_score(a + q * lda, b + c * ldb, steps16, lane);
    if (valid && (lane & 3) == 0) record(args, p, q, c, s);
  }
}

}  // namespace

int pair_scores(const Panel& queries, const Panel& cands, const int64_t* pair_query, const int64_t* pair_cand,
                int64_t pairs, float* scores, unsigned long long* best, unsigned long long* bad_index,
                cudaStream_t stream) {
  if (pairs == 0) return CM_OK;
  PairArgs args{pair_query, pair_cand, pairs, queries.rows, cands.rows, scores, best, bad_index};
  if (queries.dtype == CM_CUDA_F32) {
    canonical_pairs<<<grid_for(pairs, 128), 128, 0, stream>>>(static_cast<const float*>(queries.data), queries.ld,
                                                              static_cast<const float*>(cands.data), cands.ld,
                                                              static_cast<int>(ceil_div(queries.dim, 16)), args);
  } else {
    // The tiles run over every k step of the padded row (ld / 16 of them): so must the pairs.
    int steps16 = static_cast<int>(queries.ld / 16);
    unsigned blocks = grid_for(ceil_div(pairs, 8) * 32, 256);
    if (queries.dtype == CM_CUDA_BF16)
      mma_pairs<__nv_bfloat16><<<blocks, 256, 0, stream>>>(static_cast<const __nv_bfloat16*>(queries.data),
                                                           queries.ld, static_cast<const __nv_bfloat16*>(cands.data),
                                                           cands.ld, steps16, args);
    else
      mma_pairs<__half><<<blocks, 256, 0, stream>>>(static_cast<const __half*>(queries.data), queries.ld,
                                                    static_cast<const __half*>(cands.data), cands.ld, steps16, args);
  }
  CM_LAUNCHED("pair scores");
  return CM_OK;
}

}  // namespace cuda
}  // namespace clipmatch
