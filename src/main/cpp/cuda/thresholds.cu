// Rank thresholds from the tiles that hold positives (see thresholds.cuh): mark those tiles in a bitmap,
// compact it into a list, and run the tile kernel over the list with an epilogue that keeps the positives'
// scores. For CLIP-style data (a handful of captions per image) that is a fraction of a percent of the tiles.
#include <algorithm>

#include "thresholds.cuh"
#include "tiles.cuh"

namespace clipmatch {
namespace cuda {
namespace {

__global__ void mark_tiles(Positives positives, int64_t nq, int64_t nc, int tile_m, int tile_n, int tiles_n,
                           unsigned* bitmap, unsigned long long* bad_index) {
  for (int64_t p = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; p < positives.pairs;
       p += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t q = positives.query[p], c = positives.cand != nullptr ? positives.cand[p] : p;
    if (q < 0 || q >= nq || c < 0 || c >= nc) {
      atomicMin(bad_index, static_cast<unsigned long long>(p));
      continue;
    }
    int64_t tile = (q / tile_m) * tiles_n + c / tile_n;
    atomicOr(bitmap + (tile >> 5), 1u << (tile & 31));
  }
}

__global__ void list_tiles(const unsigned* bitmap, int64_t words, int tiles_n, int* list, unsigned long long* count) {
  for (int64_t w = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; w < words;
       w += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    unsigned bits = bitmap[w];
    if (bits == 0) continue;
    unsigned long long at = atomicAdd(count, static_cast<unsigned long long>(__popc(bits)));
    while (bits != 0) {
      int b = __ffs(bits) - 1;
      bits &= bits - 1;
      int64_t tile = w * 32 + b;
      list[2 * at] = static_cast<int>(tile / tiles_n);
      list[2 * at + 1] = static_cast<int>(tile % tiles_n);
      ++at;
    }
  }
}

struct CaptureEpilogue {
  Positives positives;
  unsigned long long* best;
  float* cand_score;
  int64_t n, m;

  template <int BM, int BN, class Tile>
  __device__ void apply(const Tile& tile, int q0, int c0) const {
    tile.for_each([&](int r, int c, float s) {
      int64_t q = q0 + r, cand = c0 + c;
      if (q >= n || cand >= m) return;
      bool positive = false;
      if (positives.owner != nullptr) {
        positive = positives.owner[cand] == q;
        if (positive && cand_score != nullptr) cand_score[cand] = s;
      } else {
        // Clamped: malformed offsets are reported at the end of the call, and must not be followed here.
        int64_t begin = max(positives.offsets[q], int64_t(0)), end = min(positives.offsets[q + 1], positives.pairs);
        for (int64_t p = begin; p < end && !positive; ++p) positive = positives.indices[p] == cand;
      }
      if (positive) atomicMax(best + q, make_key(s, cand));
    });
  }
};

}  // namespace

int capture_thresholds(const Panel& queries, const Panel& cands, const Positives& positives,
                       unsigned long long* best, float* cand_score, unsigned long long* bad_index,
                       cudaStream_t stream) {
  int tile_m = tile_rows(queries.dtype), tile_n = tile_cols(queries.dtype);
  int64_t tiles_m = ceil_div(queries.rows, tile_m), tiles_n = ceil_div(cands.rows, tile_n);
  int64_t words = ceil_div(tiles_m * tiles_n, 32);
  DeviceBuffer bitmap, count, list;
  CM_RETURN_IF(bitmap.allocate(sizeof(unsigned) * words, stream, "positive tile bitmap"));
  CM_RETURN_IF(count.allocate(sizeof(unsigned long long), stream, "positive tile count"));
  CM_CUDA_CALL(cudaMemsetAsync(bitmap.as<void>(), 0, sizeof(unsigned) * words, stream), "positive tiles");
  CM_CUDA_CALL(cudaMemsetAsync(count.as<void>(), 0, sizeof(unsigned long long), stream), "positive tiles");
  if (positives.pairs > 0) {
    mark_tiles<<<grid_for(positives.pairs, 256), 256, 0, stream>>>(positives, queries.rows, cands.rows, tile_m,
                                                                   tile_n, static_cast<int>(tiles_n),
                                                                   bitmap.as<unsigned>(), bad_index);
    CM_LAUNCHED("marking positive tiles");
  }
  // At most one listed tile per pair, and never more than there are tiles.
  int64_t capacity = std::min<int64_t>(positives.pairs, tiles_m * tiles_n);
  CM_RETURN_IF(list.allocate(sizeof(int) * 2 * (capacity > 0 ? capacity : 1), stream, "positive tile list"));
  list_tiles<<<grid_for(words, 256), 256, 0, stream>>>(bitmap.as<unsigned>(), words, static_cast<int>(tiles_n),
                                                       list.as<int>(), count.as<unsigned long long>());
  CM_LAUNCHED("listing positive tiles");
  unsigned long long listed = 0;
  CM_CUDA_CALL(cudaMemcpyAsync(&listed, count.as<void>(), sizeof listed, cudaMemcpyDeviceToHost, stream),
               "counting positive tiles");
  CM_CUDA_CALL(cudaStreamSynchronize(stream), "counting positive tiles");
  CaptureEpilogue epi{positives, best, cand_score, queries.rows, cands.rows};
  return run_tiles(queries, 0, queries.rows, cands, 0, cands.rows, epi, stream, list.as<int>(),
                   static_cast<int64_t>(listed));
}

}  // namespace cuda
}  // namespace clipmatch
