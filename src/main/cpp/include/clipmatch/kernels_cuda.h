// clipmatch CUDA kernels: the functions of kernels.h on an NVIDIA GPU, plain C symbols (prefix cm_cuda_) so
// that JavaCPP and Python's ctypes bind them alike.
//
// Two flavours of every kernel:
// - Host-pointer functions (same arguments and semantics as kernels.h): copy the inputs to the device, run,
//   copy the results back. float32 only; scores are the canonical 16-lane FMA dot product of kernels.h,
//   computed on CUDA cores with the same order, so similarity scores, ranks and top-K are bit-identical to
//   the CPU kernels (softmax probabilities: the sum of exponentials is added in another order, so a
//   probability may differ from the CPU's by an ulp).
// - Device-pointer functions (suffix _dev): inputs and outputs live on the device; `dtype` says what the
//   embeddings are (CM_CUDA_F32: canonical fp32 path as above; CM_CUDA_F16 / CM_CUDA_BF16: tensor cores with
//   fp32 accumulation). Work is queued on `stream` (a cudaStream_t; null = the legacy default stream), so it
//   runs in order with a framework's current stream; each call waits for that stream once at its end, to
//   report data errors (zero rows, bad positives) as error codes. Scores of the reduced-precision path are
//   the tensor cores' fp32 sums of fp16/bf16 products (relative error ~1e-3 for fp16, ~1e-2 for bf16 against
//   exact arithmetic); rank and top-K on that path are exact for those scores: the best positive's score is
//   read off the same score tiles that it is compared against.
// Every function returns a status code of status.h; cm_cuda_last_error() describes the calling
// thread's last failure, with the CUDA error text for CM_ERR_DEVICE.
#ifndef CLIPMATCH_KERNELS_CUDA_H
#define CLIPMATCH_KERNELS_CUDA_H

#include <stdint.h>

#include "clipmatch/status.h"

#define CM_CUDA_F32 0
#define CM_CUDA_F16 1
#define CM_CUDA_BF16 2

// Tensor-core engines of the fp16/bf16 path: mma.sync (sm_80+, the default) or wgmma (Hopper, sm_90a).
#define CM_CUDA_ENGINE_MMA 0
#define CM_CUDA_ENGINE_WGMMA 1

// Largest k of the top-K kernels.
#define CM_CUDA_MAX_K 4096

// The library hides everything else (its static CUDA runtime included).
#ifdef __cplusplus
extern "C" {
#endif

// Number of usable devices in *count. With no driver or no device: CM_OK and 0, the reason in
// cm_cuda_last_error(). Kernels run on the calling thread's current device (cm_cuda_set_device).
CM_API int cm_cuda_device_count(int* count);
CM_API int cm_cuda_set_device(int device);
// "name, compute capability, memory" of the current device, into buf (NUL-terminated, at most len bytes).
CM_API int cm_cuda_device_name(char* buf, int len);

// Selects the tensor-core engine for the whole process (initially: wgmma if the environment variable
// CLIPMATCH_CUDA_ENGINE is "wgmma", else mma). wgmma is refused unless the current device is compute
// capability 9.0. Both engines give the same guarantees (exact rank/top-K for their own scores).
CM_API int cm_cuda_set_tensor_engine(int engine);
CM_API int cm_cuda_tensor_engine(void);

// High-water mark, in bytes, of the device memory the kernels have held at once on the current device
// (their stream-ordered pool) since the last reset; reset != 0 starts a new measurement.
CM_API int cm_cuda_memory_peak(int64_t* bytes, int reset);

// Host pointers, float32: see kernels.h for each function's contract.
CM_API int cm_cuda_normalize_rows(float* x, int64_t rows, int64_t dim);
CM_API int cm_cuda_similarity(const float* a, int64_t n, const float* b, int64_t m, int64_t dim, int normalize,
                       float scale, int softmax, float* out);
CM_API int cm_cuda_rank(const float* queries, int64_t nq, const float* cands, int64_t nc, int64_t dim,
                 const int64_t* pos_offsets, const int64_t* pos_indices, int normalize, int64_t* ranks,
                 int64_t* best_positive);
CM_API int cm_cuda_rank_bidirectional(const float* images, int64_t n_images, const float* texts, int64_t n_texts,
                               int64_t dim, const int64_t* text_image, int normalize, int64_t* image_ranks,
                               int64_t* text_ranks);
CM_API int cm_cuda_topk(const float* queries, int64_t nq, const float* cands, int64_t nc, int64_t dim, int64_t k,
                 int normalize, float* scores, int64_t* indices);

// Device pointers: embeddings are dense row-major [rows][dim] of `dtype`; index arrays are int64; scores
// and probabilities are float32. Nothing is kept after return; the inputs are never modified.
CM_API int cm_cuda_similarity_dev(const void* a, int64_t n, const void* b, int64_t m, int64_t dim, int dtype,
                           int normalize, float scale, int softmax, float* out, void* stream);
CM_API int cm_cuda_rank_dev(const void* queries, int64_t nq, const void* cands, int64_t nc, int64_t dim, int dtype,
                     const int64_t* pos_offsets, const int64_t* pos_indices, int normalize, int64_t* ranks,
                     int64_t* best_positive, void* stream);
CM_API int cm_cuda_rank_bidirectional_dev(const void* images, int64_t n_images, const void* texts, int64_t n_texts,
                                   int64_t dim, int dtype, const int64_t* text_image, int normalize,
                                   int64_t* image_ranks, int64_t* text_ranks, void* stream);
CM_API int cm_cuda_topk_dev(const void* queries, int64_t nq, const void* cands, int64_t nc, int64_t dim, int dtype,
                     int64_t k, int normalize, float* scores, int64_t* indices, void* stream);

#ifdef __cplusplus
}
#endif

#endif
