// Which tile a block computes: the grouped order over the whole score matrix, or an explicit tile list.
#ifndef CLIPMATCH_CUDA_TILE_ORDER_CUH
#define CLIPMATCH_CUDA_TILE_ORDER_CUH

#include <cstdint>

namespace clipmatch {
namespace cuda {

constexpr int kTileThreads = 256;

// Grouped block order: kGroup row tiles sweep the candidate tiles together, so a candidate tile is read
// from L2 by several blocks in a row instead of once from memory per row tile.
struct TileCoord {
  int tm, tn;
};
__device__ inline TileCoord tile_of(int64_t bid, int tiles_m, int tiles_n, const int* tile_list) {
  if (tile_list != nullptr) return {tile_list[2 * bid], tile_list[2 * bid + 1]};
  constexpr int kGroup = 8;
  int64_t per_group = static_cast<int64_t>(kGroup) * tiles_n;
  int64_t group = bid / per_group;
  int first = static_cast<int>(group * kGroup);
  int rows = min(tiles_m - first, kGroup);
  int64_t in_group = bid - group * per_group;
  return {first + static_cast<int>(in_group % rows), static_cast<int>(in_group / rows)};
}

}  // namespace cuda
}  // namespace clipmatch

#endif
