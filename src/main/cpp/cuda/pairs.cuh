// Scores of single (query, candidate) pairs by the tiles' arithmetic, folded into each query's best key
// (highest score, lowest index among equal scores): the thresholds of the rank kernels.
#ifndef CLIPMATCH_CUDA_PAIRS_CUH
#define CLIPMATCH_CUDA_PAIRS_CUH

#include "common.cuh"

namespace clipmatch {
namespace cuda {

// Pair p is (pair_query[p], pair_cand ? pair_cand[p] : p). Every pair's score goes to scores[p] (if not
// null) and is max-folded into best[pair_query[p]]; an index outside [0, nq) or [0, nc) sets bad_index.
int pair_scores(const Panel& queries, const Panel& cands, const int64_t* pair_query, const int64_t* pair_cand,
                int64_t pairs, float* scores, unsigned long long* best, unsigned long long* bad_index,
                cudaStream_t stream);

}  // namespace cuda
}  // namespace clipmatch

#endif
