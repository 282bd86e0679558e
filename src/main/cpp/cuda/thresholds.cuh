// Rank thresholds read off the score tiles themselves: each query's best positive (highest score, lowest
// index among equals) and, for the text side of the two-way rank, each text's score against its own image.
// Taking them from the same tile kernel that the rank epilogue later compares against makes the comparison
// exact for every engine (canonical fp32, tensor cores) without assuming anything about how the hardware
// rounds a lone dot product.
#ifndef CLIPMATCH_CUDA_THRESHOLDS_CUH
#define CLIPMATCH_CUDA_THRESHOLDS_CUH

#include "common.cuh"

namespace clipmatch {
namespace cuda {

// The positive pairs: pair p is (query[p], cand ? cand[p] : p). Membership of (q, c) in the epilogue is
// `owner[c] == q` when owner is set (every candidate has exactly one query: the two-way rank), else c among
// indices[offsets[q] .. offsets[q+1]) (CSR of cm_rank).
struct Positives {
  const int64_t* query;
  const int64_t* cand;
  int64_t pairs;
  const int64_t* owner;
  const int64_t* offsets;
  const int64_t* indices;
};

// best[q] (zeroed by the caller) receives the best positive key of query q; cand_score[c] (if not null,
// owner mode) the score of candidate c against its owner. A pair with an index out of range sets bad_index
// to the pair's position.
int capture_thresholds(const Panel& queries, const Panel& cands, const Positives& positives,
                       unsigned long long* best, float* cand_score, unsigned long long* bad_index,
                       cudaStream_t stream);

}  // namespace cuda
}  // namespace clipmatch

#endif
