// Hopper tile engine: wgmma (sm_90a), fp16/bf16 operands from 128-byte-swizzled shared memory, fp32
// accumulators in registers. Block tile 128 x 128 (two warpgroups of 64 x 128, one m64n128k16 per 16 k),
// k tiles of 64 (one 128-byte swizzle row) in a 4-stage cp.async pipeline. Opt-in until measured on a GPU
// (cm_cuda_set_tensor_engine); the mma.sync engine of tiles.cuh is the default. Compiled only into the
// sm_90a code; in every other target the kernel body is empty and the host refuses to select it.
#ifndef CLIPMATCH_CUDA_WGMMA_CUH
#define CLIPMATCH_CUDA_WGMMA_CUH

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "common.cuh"
#include "tile_order.cuh"

namespace clipmatch {
namespace cuda {

constexpr int kWgM = 128, kWgN = 128, kWgK = 64, kWgStages = 4;
constexpr int kWgStageBytes = (kWgM + kWgN) * kWgK * 2;
constexpr int kWgSmem = kWgStages * kWgStageBytes + 1024;  // + room to align the stages to 1024 bytes

#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define CLIPMATCH_HAS_WGMMA 1
#endif

#if defined(CLIPMATCH_HAS_WGMMA)
template <typename T>
struct Wgmma;
// One m64n128k16 wgmma with fp32 accumulators in d[0..63]; TYPE is the PTX operand type (bf16 or f16).
#define CLIPMATCH_WGMMA_M64N128K16(TYPE)                                                                       \
  asm volatile(                                                                                                \
      "{\n.reg .pred p;\nsetp.ne.b32 p, %66, 0;\n"                                                         \
      "wgmma.mma_async.sync.aligned.m64n128k16.f32." TYPE "." TYPE " {"                                        \
      "%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, "                                 \
      "%16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, "                       \
      "%32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, "                       \
      "%48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63"                         \
      "}, %64, %65, p, 1, 1, 0, 0;\n}\n"                                                                    \
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]),       \
        "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), \
        "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]),            \
        "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]),            \
        "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]),            \
        "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]),            \
        "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]),            \
        "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]),            \
        "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])                          \
      : "l"(desc_a), "l"(desc_b), "r"(1))

template <>
struct Wgmma<__nv_bfloat16> {
  __device__ static void run(float* d, uint64_t desc_a, uint64_t desc_b) { CLIPMATCH_WGMMA_M64N128K16("bf16"); }
};
template <>
struct Wgmma<__half> {
  __device__ static void run(float* d, uint64_t desc_a, uint64_t desc_b) { CLIPMATCH_WGMMA_M64N128K16("f16"); }
};

#endif

// Shared-memory matrix descriptor of a K-major operand in the 128-byte swizzle layout: 8-row x 128-byte
// atoms, 1024 bytes apart (stride byte offset), leading byte offset unused (1).
__device__ inline uint64_t smem_descriptor(const void* smem) {
  uint64_t addr = static_cast<uint64_t>(__cvta_generic_to_shared(smem));
  return ((addr & 0x3ffff) >> 4) | (1ull << 16) | (64ull << 32) | (1ull << 62);
}

// The accumulators of one thread: warp w of warpgroup g holds rows 64g + 16w + lane/4 (+8), and for each of
// the 16 column blocks of 8 the two columns 2*(lane%4), +1 (the mma.sync C layout, repeated along N).
// Keeps the compiler from moving accumulator reads or writes across the asynchronous wgmma boundaries.
__device__ inline void fence_accumulators(float* d) {
#pragma unroll
  for (int i = 0; i < 64; ++i) asm volatile("" : "+f"(d[i])::"memory");
}

struct WgmmaTile {
  float d[64];
  int row0, lane;
  template <class F>
  __device__ void for_each(F&& f) const {
#pragma unroll
    for (int i = 0; i < 64; ++i)
      f(row0 + (lane >> 2) + 8 * ((i >> 1) & 1), 8 * (i >> 2) + 2 * (lane & 3) + (i & 1), d[i]);
  }
};

__device__ inline void wg_cp_async16(uint32_t smem, const void* global) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;\n" ::"r"(smem), "l"(global));
}

template <typename T, class Epi>
__global__ void __launch_bounds__(256, 1) wgmma_tiles(const T* __restrict__ a, int64_t lda, const T* __restrict__ b,
                                                      int64_t ldb, int ktiles, int tiles_m, int tiles_n,
                                                      const int* tile_list, Epi epi) {
#if defined(CLIPMATCH_HAS_WGMMA)
  extern __shared__ unsigned char wg_smem_raw[];
  uint32_t raw = static_cast<uint32_t>(__cvta_generic_to_shared(wg_smem_raw));
  uint32_t base = (raw + 1023u) & ~1023u;
  unsigned char* base_ptr = wg_smem_raw + (base - raw);
  TileCoord t = tile_of(blockIdx.x, tiles_m, tiles_n, tile_list);
  int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5, group = warp >> 2;
  const T* a_tile = a + static_cast<int64_t>(t.tm) * kWgM * lda;
  const T* b_tile = b + static_cast<int64_t>(t.tn) * kWgN * ldb;

  // Stage s: A at base + s * kWgStageBytes (128 rows x 128 bytes), B right after it. Piece c (16 bytes) of
  // row r lands in chunk c ^ (r % 8) of that row: the 128-byte swizzle.
  auto load_stage = [&](int stage, int kt) {
    uint32_t sa = base + stage * kWgStageBytes, sb = sa + kWgM * kWgK * 2;
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      int piece = tid + i * 256, row = piece >> 3, chunk = piece & 7;
      uint32_t offset = row * 128 + ((chunk ^ (row & 7)) << 4);
      int64_t k = static_cast<int64_t>(kt) * kWgK + chunk * 8;
      wg_cp_async16(sa + offset, a_tile + row * lda + k);
      wg_cp_async16(sb + offset, b_tile + row * ldb + k);
    }
  };

  WgmmaTile tile;
#pragma unroll
  for (int i = 0; i < 64; ++i) tile.d[i] = 0.0f;
#pragma unroll
  for (int s = 0; s < kWgStages - 1; ++s) {
    if (s < ktiles) load_stage(s, s);
    asm volatile("cp.async.commit_group;\n" ::);
  }
  for (int kt = 0; kt < ktiles; ++kt) {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(kWgStages - 2));
    // cp.async wrote through the generic proxy; wgmma reads through the async proxy.
    asm volatile("fence.proxy.async.shared::cta;\n" ::);
    __syncthreads();
    const unsigned char* stage = base_ptr + (kt % kWgStages) * kWgStageBytes;
    uint64_t desc_a = smem_descriptor(stage + group * 64 * 128);
    uint64_t desc_b = smem_descriptor(stage + kWgM * kWgK * 2);
    fence_accumulators(tile.d);
    asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory");
#pragma unroll
    for (int kk = 0; kk < kWgK / 16; ++kk)  // 32 bytes further along the swizzled row per 16 k
      Wgmma<T>::run(tile.d, desc_a + 2 * kk, desc_b + 2 * kk);
    asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory");
    // Keep this k tile's products in flight; the previous tile's are done (its stage is refilled next).
    asm volatile("wgmma.wait_group.sync.aligned 1;\n" ::: "memory");
    fence_accumulators(tile.d);
    __syncthreads();
    int next = kt + kWgStages - 1;
    if (next < ktiles) load_stage(next % kWgStages, next);
    asm volatile("cp.async.commit_group;\n" ::);
  }
  asm volatile("wgmma.wait_group.sync.aligned 0;\n" ::: "memory");
  fence_accumulators(tile.d);
  asm volatile("cp.async.wait_group 0;\n" ::);
  tile.row0 = group * 64 + (warp & 3) * 16;
  tile.lane = lane;
  epi.template apply<kWgM, kWgN>(tile, t.tm * kWgM, t.tn * kWgN);
#endif
}

}  // namespace cuda
}  // namespace clipmatch

#endif
