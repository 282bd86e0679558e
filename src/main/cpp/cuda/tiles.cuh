// The tiled score traversal that every kernel shares: a block computes one tile of scores in registers and
// hands it to an epilogue (count, select, write), so that no kernel but similarity writes scores to memory.
//
// Two tile engines, one per precision:
// - canonical fp32 on CUDA cores: the 16 lanes of kernels.h's dot order are 16 threads of a half-warp
//   (thread l accumulates fmaf over i = l, l+16, ...), and the lane sum 8,4,2,1 is a butterfly over the
//   half-warp that adds exactly the pairs the canonical order adds, so every score is bit-identical to the
//   CPU's. Block tile 32 x 32, each half-warp an 8 x 8 micro-tile.
// - fp16/bf16 on tensor cores: mma.sync m16n8k16 with fp32 accumulators (ldmatrix, cp.async 4-stage
//   pipeline), block tile 128 x 128, 8 warps of 64 x 32; runs on sm_80+. The Hopper engine (wgmma.cuh) is
//   selected with cm_cuda_set_tensor_engine.
// A kernel runs either over every tile (grouped order) or over an explicit list of tiles (the tiles that
// hold positives, whose scores become the rank thresholds: thresholds.cu).
#ifndef CLIPMATCH_CUDA_TILES_CUH
#define CLIPMATCH_CUDA_TILES_CUH

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "common.cuh"
#include "tile_order.cuh"
#include "wgmma.cuh"

namespace clipmatch {
namespace cuda {

// ---------------------------------------------------------------------------------------------------------
// Canonical fp32 tile.
constexpr int kCanonM = 32, kCanonN = 32, kCanonK = 32;

// The four scores a thread holds after the butterfly: row r, columns c .. c+3 of the block tile.
struct CanonicalTile {
  float v[4];
  int r, c;
  template <class F>
  __device__ void for_each(F&& f) const {
#pragma unroll
    for (int j = 0; j < 4; ++j) f(r, c + j, v[j]);
  }
};

// Butterfly reduce-scatter over the 16 lanes of one output set: in the round of width w a thread keeps one
// half of its outputs and adds its partner's (lane ^ w) partial of that half, so every addition is the
// canonical lane[i] + lane[i + w]; after 4 rounds lane l holds outputs 4l .. 4l+3, fully summed.
template <int Active>
__device__ inline void butterfly_round(float* v, int lane, int width) {
  bool upper = (lane & width) != 0;
#pragma unroll
  for (int j = 0; j < Active / 2; ++j) {
    float send = upper ? v[j] : v[j + Active / 2];
    float keep = upper ? v[j + Active / 2] : v[j];
    v[j] = keep + __shfl_xor_sync(0xffffffffu, send, width);
  }
}

template <class Epi>
__global__ void __launch_bounds__(kTileThreads) canonical_tiles(const float* __restrict__ a, int64_t lda,
                                                                 const float* __restrict__ b, int64_t ldb,
                                                                 int steps16, int tiles_m, int tiles_n,
                                                                 const int* tile_list, Epi epi) {
  __shared__ __align__(16) float as[kCanonK][kCanonM + 4];
  __shared__ __align__(16) float bs[kCanonK][kCanonN + 4];
  TileCoord t = tile_of(blockIdx.x, tiles_m, tiles_n, tile_list);
  int tid = threadIdx.x, lane = tid & 15, group = tid >> 4, gm = group >> 2, gn = group & 3;
  int load_row = tid >> 3, load_k = (tid & 7) * 4;
  const float* a_src = a + static_cast<int64_t>(t.tm * kCanonM + load_row) * lda + load_k;
  const float* b_src = b + static_cast<int64_t>(t.tn * kCanonN + load_row) * ldb + load_k;
  int kend = steps16 * 16;

  float acc[64];
#pragma unroll
  for (int i = 0; i < 64; ++i) acc[i] = 0.0f;
  float4 av = *reinterpret_cast<const float4*>(a_src), bv = *reinterpret_cast<const float4*>(b_src);
  for (int k0 = 0; k0 < kend; k0 += kCanonK) {
    __syncthreads();
    as[load_k + 0][load_row] = av.x, as[load_k + 1][load_row] = av.y;
    as[load_k + 2][load_row] = av.z, as[load_k + 3][load_row] = av.w;
    bs[load_k + 0][load_row] = bv.x, bs[load_k + 1][load_row] = bv.y;
    bs[load_k + 2][load_row] = bv.z, bs[load_k + 3][load_row] = bv.w;
    __syncthreads();
    if (k0 + kCanonK < kend) {  // next chunk in flight while this one is multiplied
      av = *reinterpret_cast<const float4*>(a_src + k0 + kCanonK);
      bv = *reinterpret_cast<const float4*>(b_src + k0 + kCanonK);
    }
#pragma unroll
    for (int s = 0; s < kCanonK / 16; ++s) {
      if (k0 + 16 * s >= kend) break;  // steps past the zero-padded tail are not part of the canonical sum
      const float4* ar = reinterpret_cast<const float4*>(&as[lane + 16 * s][gm * 8]);
      const float4* br = reinterpret_cast<const float4*>(&bs[lane + 16 * s][gn * 8]);
      float4 a0 = ar[0], a1 = ar[1], b0 = br[0], b1 = br[1];
      float x[8] = {a0.x, a0.y, a0.z, a0.w, a1.x, a1.y, a1.z, a1.w};
      float y[8] = {b0.x, b0.y, b0.z, b0.w, b1.x, b1.y, b1.z, b1.w};
#pragma unroll
      for (int i = 0; i < 8; ++i)
#pragma unroll
        for (int j = 0; j < 8; ++j) acc[i * 8 + j] = fmaf(x[i], y[j], acc[i * 8 + j]);
    }
  }
  butterfly_round<64>(acc, lane, 8);
  butterfly_round<32>(acc, lane, 4);
  butterfly_round<16>(acc, lane, 2);
  butterfly_round<8>(acc, lane, 1);
  CanonicalTile tile;
#pragma unroll
  for (int j = 0; j < 4; ++j) tile.v[j] = acc[j];
  tile.r = gm * 8 + (lane >> 1);
  tile.c = gn * 8 + (lane & 1) * 4;
  epi.template apply<kCanonM, kCanonN>(tile, t.tm * kCanonM, t.tn * kCanonN);
}

// ---------------------------------------------------------------------------------------------------------
// Tensor-core tile (fp16 / bf16 operands, fp32 accumulators).
constexpr int kMmaM = 128, kMmaN = 128, kMmaK = 32, kMmaStages = 4, kMmaLds = kMmaK + 8;
constexpr int kMmaSmem = 2 * kMmaStages * kMmaM * kMmaLds * 2;

template <typename T>
struct Mma;
template <>
struct Mma<__nv_bfloat16> {
  __device__ static void run(float* d, const uint32_t* a, uint32_t b0, uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
};
template <>
struct Mma<__half> {
  __device__ static void run(float* d, const uint32_t* a, uint32_t b0, uint32_t b1) {
    asm volatile(
        "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
        "{%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
  }
};

__device__ inline void cp_async16(void* smem, const void* global) {
  unsigned dst = static_cast<unsigned>(__cvta_generic_to_shared(smem));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(dst), "l"(global));
}
__device__ inline void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int Pending>
__device__ inline void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(Pending));
}
__device__ inline void ldmatrix_x4(uint32_t* r, const void* smem) {
  unsigned addr = static_cast<unsigned>(__cvta_generic_to_shared(smem));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

// A warp's 64 x 32 accumulators; element e of fragment (mi, ni) is row mi*16 + lane/4 (+8 for e >= 2),
// column ni*8 + 2*(lane%4) + e%2 of the warp tile (the mma.sync accumulator layout).
struct MmaTile {
  float acc[4][4][4];
  int row0, col0, lane;
  template <class F>
  __device__ void for_each(F&& f) const {
#pragma unroll
    for (int mi = 0; mi < 4; ++mi)
#pragma unroll
      for (int ni = 0; ni < 4; ++ni)
#pragma unroll
        for (int e = 0; e < 4; ++e)
          f(row0 + mi * 16 + (lane >> 2) + (e >> 1) * 8, col0 + ni * 8 + (lane & 3) * 2 + (e & 1), acc[mi][ni][e]);
  }
};

template <typename T, class Epi>
__global__ void __launch_bounds__(kTileThreads, 2) mma_tiles(const T* __restrict__ a, int64_t lda,
                                                              const T* __restrict__ b, int64_t ldb, int ktiles,
                                                              int tiles_m, int tiles_n, const int* tile_list,
                                                              Epi epi) {
  extern __shared__ __align__(16) unsigned char smem_raw[];
  T* as = reinterpret_cast<T*>(smem_raw);
  T* bs = as + kMmaStages * kMmaM * kMmaLds;
  TileCoord t = tile_of(blockIdx.x, tiles_m, tiles_n, tile_list);
  int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, wm = warp >> 2, wn = warp & 3;
  const T* a_tile = a + static_cast<int64_t>(t.tm) * kMmaM * lda;
  const T* b_tile = b + static_cast<int64_t>(t.tn) * kMmaN * ldb;

  // Each thread copies two 16-byte pieces of each operand per stage (128 rows x 4 pieces).
  auto load_stage = [&](int stage, int kt) {
#pragma unroll
    for (int i = 0; i < 2; ++i) {
      int piece = tid + i * kTileThreads, row = piece >> 2, col = (piece & 3) * 8;
      int64_t k = static_cast<int64_t>(kt) * kMmaK + col;
      cp_async16(as + (stage * kMmaM + row) * kMmaLds + col, a_tile + row * lda + k);
      cp_async16(bs + (stage * kMmaN + row) * kMmaLds + col, b_tile + row * ldb + k);
    }
  };

  MmaTile tile;
#pragma unroll
  for (int mi = 0; mi < 4; ++mi)
#pragma unroll
    for (int ni = 0; ni < 4; ++ni)
#pragma unroll
      for (int e = 0; e < 4; ++e) tile.acc[mi][ni][e] = 0.0f;

#pragma unroll
  for (int s = 0; s < kMmaStages - 1; ++s) {
    if (s < ktiles) load_stage(s, s);
    cp_async_commit();
  }
  int mat = lane >> 3, mrow = lane & 7;
  for (int kt = 0; kt < ktiles; ++kt) {
    cp_async_wait<kMmaStages - 2>();
    __syncthreads();  // stage kt has landed for everyone; stage kt-1 is no longer read
    int next = kt + kMmaStages - 1;
    if (next < ktiles) load_stage(next % kMmaStages, next);
    cp_async_commit();
    const T* sa = as + (kt % kMmaStages) * kMmaM * kMmaLds;
    const T* sb = bs + (kt % kMmaStages) * kMmaN * kMmaLds;
#pragma unroll
    for (int kk = 0; kk < kMmaK; kk += 16) {
      uint32_t af[4][4], bf[4][2];
#pragma unroll
      for (int mi = 0; mi < 4; ++mi)
        ldmatrix_x4(af[mi], sa + (wm * 64 + mi * 16 + (mat & 1) * 8 + mrow) * kMmaLds + kk + (mat >> 1) * 8);
#pragma unroll
      for (int np = 0; np < 2; ++np) {
        uint32_t r[4];
        ldmatrix_x4(r, sb + (wn * 32 + np * 16 + (mat >> 1) * 8 + mrow) * kMmaLds + kk + (mat & 1) * 8);
        bf[2 * np][0] = r[0], bf[2 * np][1] = r[1], bf[2 * np + 1][0] = r[2], bf[2 * np + 1][1] = r[3];
      }
#pragma unroll
      for (int mi = 0; mi < 4; ++mi)
#pragma unroll
        for (int ni = 0; ni < 4; ++ni) Mma<T>::run(tile.acc[mi][ni], af[mi], bf[ni][0], bf[ni][1]);
    }
  }
  cp_async_wait<0>();
  tile.row0 = wm * 64;
  tile.col0 = wn * 32;
  tile.lane = lane;
  epi.template apply<kMmaM, kMmaN>(tile, t.tm * kMmaM, t.tn * kMmaN);
}

// ---------------------------------------------------------------------------------------------------------
// Block tile of the engine that serves a panel's dtype.
inline int tile_rows(int dtype) { return dtype == CM_CUDA_F32 ? kCanonM : kMmaM; }
inline int tile_cols(int dtype) { return dtype == CM_CUDA_F32 ? kCanonN : kMmaN; }

// Runs epi over the score tiles of rows [0, a_rows) of a (starting at row a_row0 of panel a) against rows
// [0, b_rows) of b (from b_row0); the epilogue receives tile-relative coordinates plus the tile origin and
// must mask rows >= a_rows and columns >= b_rows itself. Row offsets must be multiples of kRowPad. With
// tile_list (device array of `listed` (tile row, tile column) pairs) only those tiles run.
template <class Epi>
int run_tiles(const Panel& a, int64_t a_row0, int64_t a_rows, const Panel& b, int64_t b_row0, int64_t b_rows,
              const Epi& epi, cudaStream_t stream, const int* tile_list = nullptr, int64_t listed = 0) {
  int tiles_m = static_cast<int>(ceil_div(a_rows, tile_rows(a.dtype)));
  int tiles_n = static_cast<int>(ceil_div(b_rows, tile_cols(a.dtype)));
  int64_t blocks = tile_list != nullptr ? listed : static_cast<int64_t>(tiles_m) * tiles_n;
  if (blocks == 0) return CM_OK;
  if (blocks > 0x7fffffffLL) return fail(CM_ERR_ARGUMENT, "score matrix too large for one launch");
  if (a.dtype == CM_CUDA_F32) {
    const float* pa = static_cast<const float*>(a.data) + a_row0 * a.ld;
    const float* pb = static_cast<const float*>(b.data) + b_row0 * b.ld;
    int steps16 = static_cast<int>(ceil_div(a.dim, 16));
    canonical_tiles<Epi><<<static_cast<unsigned>(blocks), kTileThreads, 0, stream>>>(
        pa, a.ld, pb, b.ld, steps16, tiles_m, tiles_n, tile_list, epi);
    CM_LAUNCHED("canonical score tiles");
    return CM_OK;
  }
  if (tensor_engine() == CM_CUDA_ENGINE_WGMMA) {
    int wg_ktiles = static_cast<int>(a.ld / kWgK);
    if (a.dtype == CM_CUDA_BF16) {
      auto kernel = wgmma_tiles<__nv_bfloat16, Epi>;
      CM_CUDA_CALL(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, kWgSmem),
                   "wgmma tiles: shared memory");
      kernel<<<static_cast<unsigned>(blocks), 256, kWgSmem, stream>>>(
          static_cast<const __nv_bfloat16*>(a.data) + a_row0 * a.ld, a.ld,
          static_cast<const __nv_bfloat16*>(b.data) + b_row0 * b.ld, b.ld, wg_ktiles, tiles_m, tiles_n, tile_list,
          epi);
    } else {
      auto kernel = wgmma_tiles<__half, Epi>;
      CM_CUDA_CALL(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, kWgSmem),
                   "wgmma tiles: shared memory");
      kernel<<<static_cast<unsigned>(blocks), 256, kWgSmem, stream>>>(
          static_cast<const __half*>(a.data) + a_row0 * a.ld, a.ld, static_cast<const __half*>(b.data) + b_row0 * b.ld,
          b.ld, wg_ktiles, tiles_m, tiles_n, tile_list, epi);
    }
    CM_LAUNCHED("wgmma score tiles");
    return CM_OK;
  }
  int ktiles = static_cast<int>(a.ld / kMmaK);
  if (a.dtype == CM_CUDA_BF16) {
    auto kernel = mma_tiles<__nv_bfloat16, Epi>;
    CM_CUDA_CALL(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, kMmaSmem),
                 "tensor-core tiles: shared memory");
    kernel<<<static_cast<unsigned>(blocks), kTileThreads, kMmaSmem, stream>>>(
        static_cast<const __nv_bfloat16*>(a.data) + a_row0 * a.ld, a.ld,
        static_cast<const __nv_bfloat16*>(b.data) + b_row0 * b.ld, b.ld, ktiles, tiles_m, tiles_n, tile_list, epi);
  } else {
    auto kernel = mma_tiles<__half, Epi>;
    CM_CUDA_CALL(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, kMmaSmem),
                 "tensor-core tiles: shared memory");
    kernel<<<static_cast<unsigned>(blocks), kTileThreads, kMmaSmem, stream>>>(
        static_cast<const __half*>(a.data) + a_row0 * a.ld, a.ld, static_cast<const __half*>(b.data) + b_row0 * b.ld,
        b.ld, ktiles, tiles_m, tiles_n, tile_list, epi);
  }
  CM_LAUNCHED("tensor-core score tiles");
  return CM_OK;
}

}  // namespace cuda
}  // namespace clipmatch

#endif
