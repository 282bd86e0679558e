// Operand panels: conversion, L2 normalisation and zero padding of the embeddings into the layout the tile
// kernels read (see Panel in common.cuh); also cm_cuda_normalize_rows, which is the same normalisation.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "common.cuh"

namespace clipmatch {
namespace cuda {
namespace {

__device__ inline float load_element(const void* p, int dtype, int64_t i) {
  if (dtype == CM_CUDA_F16) return __half2float(static_cast<const __half*>(p)[i]);
  if (dtype == CM_CUDA_BF16) return __bfloat162float(static_cast<const __nv_bfloat16*>(p)[i]);
  return static_cast<const float*>(p)[i];
}

__device__ inline void store_element(void* p, int dtype, int64_t i, float v) {
  if (dtype == CM_CUDA_F16)
    static_cast<__half*>(p)[i] = __float2half_rn(v);
  else if (dtype == CM_CUDA_BF16)
    static_cast<__nv_bfloat16*>(p)[i] = __float2bfloat16_rn(v);
  else
    static_cast<float*>(p)[i] = v;
}

// One thread per row, in index order: the CPU kernels' sum (double, sequential) bit for bit.
__global__ void row_norms(const void* src, int dtype, int64_t rows, int64_t dim, double* norms,
                          unsigned long long* bad_row) {
  for (int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; r < rows;
       r += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    double sum = 0.0;
    for (int64_t i = 0; i < dim; ++i) {
      double x = load_element(src, dtype, r * dim + i);
      sum += x * x;
    }
    double norm = sqrt(sum);
    if (!(norm > 0.0) || !isfinite(norm)) atomicMin(bad_row, static_cast<unsigned long long>(r));
    norms[r] = norm;
  }
}

// Every element of the padded panel, coalesced; norms == null: copy without normalising.
__global__ void fill_panel(const void* src, int dtype, int64_t rows, int64_t dim, const double* norms, void* dst,
                           int64_t rows_pad, int64_t ld) {
  int64_t total = rows_pad * ld;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t r = e / ld, k = e - r * ld;
    float v = 0.0f;
    if (r < rows && k < dim) {
      float x = load_element(src, dtype, r * dim + k);
      v = norms != nullptr ? static_cast<float>(static_cast<double>(x) / norms[r]) : x;
    }
    store_element(dst, dtype, e, v);
  }
}

size_t element_size(int dtype) { return dtype == CM_CUDA_F32 ? 4 : 2; }

}  // namespace

int make_panel(const void* src, int64_t rows, int64_t dim, int dtype, bool normalize, cudaStream_t stream,
               unsigned long long* bad_row, DeviceBuffer& storage, Panel& out) {
  out.dtype = dtype;
  out.rows = rows;
  out.dim = dim;
  out.rows_pad = ceil_div(rows, kRowPad) * kRowPad;
  out.ld = ceil_div(dim, kColPad) * kColPad;
  CM_RETURN_IF(storage.allocate(element_size(dtype) * out.rows_pad * out.ld, stream, "an operand panel"));
  DeviceBuffer norms;
  if (normalize) {
    CM_RETURN_IF(norms.allocate(sizeof(double) * rows, stream, "row norms"));
    row_norms<<<grid_for(rows, 128), 128, 0, stream>>>(src, dtype, rows, dim, norms.as<double>(), bad_row);
    CM_LAUNCHED("row_norms");
  }
  fill_panel<<<grid_for(out.rows_pad * out.ld, 256), 256, 0, stream>>>(
      src, dtype, rows, dim, normalize ? norms.as<double>() : nullptr, storage.as<void>(), out.rows_pad, out.ld);
  CM_LAUNCHED("fill_panel");
  out.data = storage.as<void>();
  return CM_OK;
}

}  // namespace cuda
}  // namespace clipmatch

using namespace clipmatch::cuda;

extern "C" int cm_cuda_normalize_rows(float* x, int64_t rows, int64_t dim) {
  CM_RETURN_IF(check_matrix(x, rows, dim, "normalize"));
  CM_RETURN_IF(require_device());
  cudaStream_t stream = cudaStreamPerThread;
  Status status;
  CM_RETURN_IF(status.init(stream));
  DeviceBuffer input, storage;
  size_t bytes = sizeof(float) * rows * dim;
  CM_RETURN_IF(upload(x, bytes, stream, input, "normalize input"));
  // A panel with ld == dim would be the result itself; the padded copy is compacted on the way back.
  Panel panel;
  CM_RETURN_IF(make_panel(input.as<void>(), rows, dim, CM_CUDA_F32, true, stream, status.slot(kBadRowA), storage,
                          panel));
  static const char* const messages[kSlots] = {"row ", "row ", "", ""};
  int rc = status.finish(stream, messages);
  if (rc != CM_OK) return fail(rc, std::string(cm_cuda_last_error()) + " has a zero or non-finite norm");
  CM_CUDA_CALL(cudaMemcpy2DAsync(x, sizeof(float) * dim, panel.data, sizeof(float) * panel.ld, sizeof(float) * dim,
                                 rows, cudaMemcpyDeviceToHost, stream),
               "normalize: copying back");
  CM_CUDA_CALL(cudaStreamSynchronize(stream), "normalize");
  return CM_OK;
}
