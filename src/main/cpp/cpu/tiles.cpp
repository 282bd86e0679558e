// The tiled traversal that every scoring kernel shares, the ISA dispatch, and row normalisation.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "common.h"

namespace clipmatch {
namespace cpu {
namespace {

// A query chunk (kQueryChunk rows, 480 KiB at 512 dims) stays in L2 while candidate tiles of kCandidateTile
// rows stream past; the chunk is a multiple of the 6-query register block, the tile of the 4-candidate one.
// Sizes chosen by measurement on the 1 MiB-L2 EPYC of the dev machines (docs/BENCHMARKS.md).
constexpr int64_t kQueryChunk = 240;
constexpr int64_t kCandidateTile = 128;
// Multiply-adds below which a job runs on the caller (about 0.1 ms of one core).
constexpr double kInlineWork = 1e7;

}  // namespace

ScoreBlockFn score_block() {
  switch (chosen_isa()) {
    case Isa::kAvx512: return score_block_avx512;
    case Isa::kAvx2: return score_block_avx2;
    default: return score_block_portable;
  }
}
const char* score_block_isa() { return isa_name(chosen_isa()); }

Rows::Rows(const float* data, int64_t rows, int64_t dim, bool normalize) : data_(data) {
  if (!normalize) return;
  owned_ = static_cast<float*>(std::malloc(sizeof(float) * rows * dim));
  if (owned_ == nullptr) {
    status_ = fail(CM_ERR_MEMORY, "out of memory for a normalised copy");
    return;
  }
  std::memcpy(owned_, data, sizeof(float) * rows * dim);
  status_ = cm_normalize_rows(owned_, rows, dim);
  data_ = owned_;
}

Rows::~Rows() { std::free(owned_); }

void for_each_score_block(const float* q, int64_t nq, const float* c, int64_t nc, int64_t dim,
                          const Epilogue& epilogue) {
  ScoreBlockFn score = score_block();
  // Smaller chunks when there are few queries, so that every worker gets some; small jobs (the sampled
  // protocol's) stay in one chunk on the calling thread, where waking the pool would cost more than the work.
  int64_t chunk = std::min<int64_t>(kQueryChunk, std::max<int64_t>(6, (nq / workers() + 5) / 6 * 6));
  if (static_cast<double>(nq) * nc * dim < kInlineWork) chunk = std::min<int64_t>(nq, 1024);
  int64_t chunks = (nq + chunk - 1) / chunk;
  parallel_for(chunks, 1, [&](int64_t begin, int64_t end, int worker) {
    std::vector<float> scores(static_cast<size_t>(chunk * kCandidateTile));
    for (int64_t b = begin; b < end; ++b) {
      int64_t q0 = b * chunk, qn = std::min(chunk, nq - q0);
      for (int64_t c0 = 0; c0 < nc; c0 += kCandidateTile) {
        int64_t cn = std::min(kCandidateTile, nc - c0);
        score(q + q0 * dim, qn, dim, c + c0 * dim, cn, dim, dim, scores.data(), kCandidateTile);
        epilogue(q0, qn, c0, cn, scores.data(), kCandidateTile, worker);
      }
    }
  });
}

}  // namespace cpu

extern "C" int cm_normalize_rows(float* x, int64_t rows, int64_t dim) {
  if (int rc = cpu::check_matrix(x, rows, dim, "normalize")) return rc;
  int64_t first_bad = -1;
  std::vector<int64_t> per_worker(cpu::workers(), -1);
  cpu::parallel_for(rows, 256, [&](int64_t begin, int64_t end, int worker) {
    for (int64_t r = begin; r < end; ++r) {
      float* row = x + r * dim;
      double sum = 0.0;
      for (int64_t i = 0; i < dim; ++i) sum += static_cast<double>(row[i]) * row[i];
      double norm = std::sqrt(sum);
      if (!(norm > 0.0) || !std::isfinite(norm)) {
        if (per_worker[worker] < 0 || r < per_worker[worker]) per_worker[worker] = r;
        continue;
      }
      for (int64_t i = 0; i < dim; ++i) row[i] = static_cast<float>(row[i] / norm);
    }
  });
  for (int64_t r : per_worker)
    if (r >= 0 && (first_bad < 0 || r < first_bad)) first_bad = r;
  if (first_bad >= 0)
    return cpu::fail(CM_ERR_ARGUMENT, "row " + std::to_string(first_bad) + " has a zero or non-finite norm");
  return CM_OK;
}

}  // namespace clipmatch
