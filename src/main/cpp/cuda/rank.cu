// Streaming rank in the tile epilogue: each query's best-positive score (read off the same tiles, see
// thresholds.cuh) is the threshold; every score tile is compared against it in registers and only the counts leave the block.
// Memory: O(queries + candidates); the score matrix never exists.
#include <string>
#include <vector>

#include "common.cuh"
#include "thresholds.cuh"
#include "tiles.cuh"

namespace clipmatch {
namespace cuda {
namespace {

// Threshold of each query: best score and the index of that positive (from its best key).
struct Threshold {
  const float* score;
  const int64_t* index;
};

// Counts per row (and per column when `columns` is set) of one tile, flushed with one atomic per line.
struct RankEpilogue {
  Threshold rows;
  unsigned long long* row_ranks;
  // Column direction (bidirectional): text t is outranked by image i with a higher score, or an equal one
  // at a lower image index than its own image text_image[t].
  const float* column_score;
  const int64_t* column_owner;
  unsigned long long* column_ranks;
  int64_t n, m;

  template <int BM, int BN, class Tile>
  __device__ void apply(const Tile& tile, int q0, int c0) const {
    __shared__ int row_count[BM];
    __shared__ int col_count[BN];
    for (int i = threadIdx.x; i < BM; i += blockDim.x) row_count[i] = 0;
    for (int i = threadIdx.x; i < BN; i += blockDim.x) col_count[i] = 0;
    __syncthreads();
    tile.for_each([&](int r, int c, float s) {
      int64_t q = q0 + r, cand = c0 + c;
      if (q >= n || cand >= m) return;
      float th = rows.score[q];
      if (s > th || (s == th && cand < rows.index[q])) atomicAdd(&row_count[r], 1);
      if (column_ranks != nullptr) {
        float ct = column_score[cand];
        if (s > ct || (s == ct && q < column_owner[cand])) atomicAdd(&col_count[c], 1);
      }
    });
    __syncthreads();
    for (int i = threadIdx.x; i < BM; i += blockDim.x)
      if (row_count[i] != 0) atomicAdd(row_ranks + q0 + i, static_cast<unsigned long long>(row_count[i]));
    if (column_ranks != nullptr)
      for (int i = threadIdx.x; i < BN; i += blockDim.x)
        if (col_count[i] != 0) atomicAdd(column_ranks + c0 + i, static_cast<unsigned long long>(col_count[i]));
  }
};

// Pair list of cm_rank's CSR positives: pair p belongs to query q for p in [offsets[q], offsets[q+1]).
__global__ void expand_positives(const int64_t* offsets, int64_t nq, int64_t pairs, int64_t* pair_query,
                                 unsigned long long* bad_offsets, unsigned long long* no_positive) {
  for (int64_t q = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; q < nq;
       q += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    int64_t begin = offsets[q], end = offsets[q + 1];
    if (end <= begin) {
      atomicMin(no_positive, static_cast<unsigned long long>(q));
      continue;
    }
    if (begin < 0 || end > pairs) {
      atomicMin(bad_offsets, static_cast<unsigned long long>(q));
      continue;
    }
    for (int64_t p = begin; p < end; ++p) pair_query[p] = q;
  }
}

// Unpacks the best keys into thresholds; a query whose key is still 0 had no (valid) positive.
__global__ void unpack_best(const unsigned long long* best, int64_t nq, float* score, int64_t* index,
                            int64_t* best_out, unsigned long long* no_positive) {
  for (int64_t q = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; q < nq;
       q += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    unsigned long long key = best[q];
    if (key == 0) atomicMin(no_positive, static_cast<unsigned long long>(q));
    score[q] = key_score(key);
    index[q] = key_index(key);
    if (best_out != nullptr) best_out[q] = key_index(key);
  }
}

int check_common(const void* q, int64_t nq, const void* c, int64_t nc, int64_t dim, int dtype, const char* qname,
                 const char* cname) {
  CM_RETURN_IF(check_matrix(q, nq, dim, qname));
  CM_RETURN_IF(check_matrix(c, nc, dim, cname));
  CM_RETURN_IF(check_dtype(dtype, "rank"));
  return require_device();
}

}  // namespace
}  // namespace cuda
}  // namespace clipmatch

using namespace clipmatch::cuda;

extern "C" int cm_cuda_rank_dev(const void* queries, int64_t nq, const void* cands, int64_t nc, int64_t dim,
                                int dtype, const int64_t* pos_offsets, const int64_t* pos_indices, int normalize,
                                int64_t* ranks, int64_t* best_positive, void* stream_ptr) {
  CM_RETURN_IF(check_common(queries, nq, cands, nc, dim, dtype, "rank queries", "rank candidates"));
  if (pos_offsets == nullptr || pos_indices == nullptr || ranks == nullptr)
    return fail(CM_ERR_ARGUMENT, "rank: null positives or output");
  cudaStream_t stream = static_cast<cudaStream_t>(stream_ptr);
  int64_t ends[2];
  CM_CUDA_CALL(cudaMemcpyAsync(&ends[0], pos_offsets, sizeof(int64_t), cudaMemcpyDeviceToHost, stream),
               "rank: reading the positive offsets");
  CM_CUDA_CALL(cudaMemcpyAsync(&ends[1], pos_offsets + nq, sizeof(int64_t), cudaMemcpyDeviceToHost, stream),
               "rank: reading the positive offsets");
  CM_CUDA_CALL(cudaStreamSynchronize(stream), "rank: reading the positive offsets");
  if (ends[0] != 0) return fail(CM_ERR_ARGUMENT, "rank: positive offsets must start at 0");
  if (ends[1] < nq) return fail(CM_ERR_ARGUMENT, "rank: fewer positives than queries");
  int64_t pairs = ends[1];

  Status status;
  CM_RETURN_IF(status.init(stream));
  DeviceBuffer q_store, c_store, pair_query, best, th_score, th_index;
  Panel q, c;
  CM_RETURN_IF(make_panel(queries, nq, dim, dtype, normalize != 0, stream, status.slot(kBadRowA), q_store, q));
  CM_RETURN_IF(make_panel(cands, nc, dim, dtype, normalize != 0, stream, status.slot(kBadRowB), c_store, c));
  CM_RETURN_IF(pair_query.allocate(sizeof(int64_t) * pairs, stream, "rank pairs"));
  CM_RETURN_IF(best.allocate(sizeof(unsigned long long) * nq, stream, "rank best keys"));
  CM_RETURN_IF(th_score.allocate(sizeof(float) * nq, stream, "rank thresholds"));
  CM_RETURN_IF(th_index.allocate(sizeof(int64_t) * nq, stream, "rank thresholds"));
  CM_CUDA_CALL(cudaMemsetAsync(best.as<void>(), 0, sizeof(unsigned long long) * nq, stream), "rank");
  CM_CUDA_CALL(cudaMemsetAsync(ranks, 0, sizeof(int64_t) * nq, stream), "rank: clearing the ranks");
  // Entries that no query's range covers keep query -1 and are reported as out of range.
  CM_CUDA_CALL(cudaMemsetAsync(pair_query.as<void>(), 0xff, sizeof(int64_t) * pairs, stream), "rank");
  expand_positives<<<grid_for(nq, 128), 128, 0, stream>>>(pos_offsets, nq, pairs, pair_query.as<int64_t>(),
                                                           status.slot(kBadIndex), status.slot(kNoPositive));
  CM_LAUNCHED("rank: positives");
  Positives positives{pair_query.as<int64_t>(), pos_indices, pairs, nullptr, pos_offsets, pos_indices};
  CM_RETURN_IF(capture_thresholds(q, c, positives, best.as<unsigned long long>(), nullptr, status.slot(kBadIndex),
                                  stream));
  unpack_best<<<grid_for(nq, 128), 128, 0, stream>>>(best.as<unsigned long long>(), nq, th_score.as<float>(),
                                                      th_index.as<int64_t>(), best_positive, status.slot(kNoPositive));
  CM_LAUNCHED("rank: thresholds");
  RankEpilogue epi{{th_score.as<float>(), th_index.as<int64_t>()},
                   reinterpret_cast<unsigned long long*>(ranks),
                   nullptr,
                   nullptr,
                   nullptr,
                   nq,
                   nc};
  CM_RETURN_IF(run_tiles(q, 0, nq, c, 0, nc, epi, stream));
  static const char* const messages[kSlots] = {
      "rank queries: zero or non-finite norm in row ", "rank candidates: zero or non-finite norm in row ",
      "rank: positive outside [0, candidates) or offsets out of order, at entry/query ",
      "rank: no positive for query "};
  return status.finish(stream, messages);
}

extern "C" int cm_cuda_rank_bidirectional_dev(const void* images, int64_t n_images, const void* texts,
                                              int64_t n_texts, int64_t dim, int dtype, const int64_t* text_image,
                                              int normalize, int64_t* image_ranks, int64_t* text_ranks,
                                              void* stream_ptr) {
  CM_RETURN_IF(check_common(images, n_images, texts, n_texts, dim, dtype, "rank images", "rank texts"));
  if (text_image == nullptr || image_ranks == nullptr || text_ranks == nullptr)
    return fail(CM_ERR_ARGUMENT, "rank: null mapping or output");
  cudaStream_t stream = static_cast<cudaStream_t>(stream_ptr);
  Status status;
  CM_RETURN_IF(status.init(stream));
  DeviceBuffer i_store, t_store, best, th_score, th_index, text_best;
  Panel im, tx;
  CM_RETURN_IF(make_panel(images, n_images, dim, dtype, normalize != 0, stream, status.slot(kBadRowA), i_store, im));
  CM_RETURN_IF(make_panel(texts, n_texts, dim, dtype, normalize != 0, stream, status.slot(kBadRowB), t_store, tx));
  CM_RETURN_IF(best.allocate(sizeof(unsigned long long) * n_images, stream, "rank best keys"));
  CM_RETURN_IF(th_score.allocate(sizeof(float) * n_images, stream, "rank thresholds"));
  CM_RETURN_IF(th_index.allocate(sizeof(int64_t) * n_images, stream, "rank thresholds"));
  CM_RETURN_IF(text_best.allocate(sizeof(float) * n_texts, stream, "rank text thresholds"));
  CM_CUDA_CALL(cudaMemsetAsync(best.as<void>(), 0, sizeof(unsigned long long) * n_images, stream), "rank");
  CM_CUDA_CALL(cudaMemsetAsync(image_ranks, 0, sizeof(int64_t) * n_images, stream), "rank: clearing the ranks");
  CM_CUDA_CALL(cudaMemsetAsync(text_ranks, 0, sizeof(int64_t) * n_texts, stream), "rank: clearing the ranks");
  // Pair t = (text_image[t], t): its score is text t's own threshold and a candidate for its image's best.
  Positives positives{text_image, nullptr, n_texts, text_image, nullptr, nullptr};
  CM_RETURN_IF(capture_thresholds(im, tx, positives, best.as<unsigned long long>(), text_best.as<float>(),
                                  status.slot(kBadIndex), stream));
  unpack_best<<<grid_for(n_images, 128), 128, 0, stream>>>(best.as<unsigned long long>(), n_images,
                                                            th_score.as<float>(), th_index.as<int64_t>(), nullptr,
                                                            status.slot(kNoPositive));
  CM_LAUNCHED("rank: thresholds");
  RankEpilogue epi{{th_score.as<float>(), th_index.as<int64_t>()},
                   reinterpret_cast<unsigned long long*>(image_ranks),
                   text_best.as<float>(),
                   text_image,
                   reinterpret_cast<unsigned long long*>(text_ranks),
                   n_images,
                   n_texts};
  CM_RETURN_IF(run_tiles(im, 0, n_images, tx, 0, n_texts, epi, stream));
  static const char* const messages[kSlots] = {"rank images: zero or non-finite norm in row ",
                                               "rank texts: zero or non-finite norm in row ",
                                               "rank: image index outside [0, images) for text ",
                                               "rank: no text for image "};
  return status.finish(stream, messages);
}

// Host pointers: the CPU kernels' validation and messages, then the device path on fp32 copies.
extern "C" int cm_cuda_rank(const float* queries, int64_t nq, const float* cands, int64_t nc, int64_t dim,
                            const int64_t* pos_offsets, const int64_t* pos_indices, int normalize, int64_t* ranks,
                            int64_t* best_positive) {
  CM_RETURN_IF(check_matrix(queries, nq, dim, "rank queries"));
  CM_RETURN_IF(check_matrix(cands, nc, dim, "rank candidates"));
  if (pos_offsets == nullptr || pos_indices == nullptr || ranks == nullptr)
    return fail(CM_ERR_ARGUMENT, "rank: null positives or output");
  if (pos_offsets[0] != 0) return fail(CM_ERR_ARGUMENT, "rank: positive offsets must start at 0");
  for (int64_t i = 0; i < nq; ++i) {
    if (pos_offsets[i + 1] <= pos_offsets[i])
      return fail(CM_ERR_ARGUMENT, "rank: query " + std::to_string(i) + " has no positive");
    for (int64_t p = pos_offsets[i]; p < pos_offsets[i + 1]; ++p)
      if (pos_indices[p] < 0 || pos_indices[p] >= nc)
        return fail(CM_ERR_ARGUMENT, "rank: query " + std::to_string(i) + " has positive " +
                                         std::to_string(pos_indices[p]) + " outside [0, " + std::to_string(nc) + ")");
  }
  CM_RETURN_IF(require_device());
  cudaStream_t stream = cudaStreamPerThread;
  int64_t pairs = pos_offsets[nq];
  DeviceBuffer dq, dc, doff, didx, dranks, dbest;
  CM_RETURN_IF(upload(queries, sizeof(float) * nq * dim, stream, dq, "rank queries"));
  CM_RETURN_IF(upload(cands, sizeof(float) * nc * dim, stream, dc, "rank candidates"));
  CM_RETURN_IF(upload(pos_offsets, sizeof(int64_t) * (nq + 1), stream, doff, "rank offsets"));
  CM_RETURN_IF(upload(pos_indices, sizeof(int64_t) * pairs, stream, didx, "rank positives"));
  CM_RETURN_IF(dranks.allocate(sizeof(int64_t) * nq, stream, "ranks"));
  CM_RETURN_IF(dbest.allocate(sizeof(int64_t) * nq, stream, "best positives"));
  CM_RETURN_IF(cm_cuda_rank_dev(dq.as<void>(), nq, dc.as<void>(), nc, dim, CM_CUDA_F32, doff.as<int64_t>(),
                                didx.as<int64_t>(), normalize, dranks.as<int64_t>(), dbest.as<int64_t>(), stream));
  CM_CUDA_CALL(cudaMemcpyAsync(ranks, dranks.as<void>(), sizeof(int64_t) * nq, cudaMemcpyDeviceToHost, stream),
               "rank: copying the ranks back");
  if (best_positive != nullptr)
    CM_CUDA_CALL(cudaMemcpyAsync(best_positive, dbest.as<void>(), sizeof(int64_t) * nq, cudaMemcpyDeviceToHost,
                                 stream),
                 "rank: copying the best positives back");
  CM_CUDA_CALL(cudaStreamSynchronize(stream), "rank");
  return CM_OK;
}

extern "C" int cm_cuda_rank_bidirectional(const float* images, int64_t n_images, const float* texts,
                                          int64_t n_texts, int64_t dim, const int64_t* text_image, int normalize,
                                          int64_t* image_ranks, int64_t* text_ranks) {
  CM_RETURN_IF(check_matrix(images, n_images, dim, "rank images"));
  CM_RETURN_IF(check_matrix(texts, n_texts, dim, "rank texts"));
  if (text_image == nullptr || image_ranks == nullptr || text_ranks == nullptr)
    return fail(CM_ERR_ARGUMENT, "rank: null mapping or output");
  std::vector<char> has_text(n_images, 0);
  for (int64_t t = 0; t < n_texts; ++t) {
    if (text_image[t] < 0 || text_image[t] >= n_images)
      return fail(CM_ERR_ARGUMENT, "rank: text " + std::to_string(t) + " maps to image " +
                                       std::to_string(text_image[t]) + " outside [0, " + std::to_string(n_images) +
                                       ")");
    has_text[text_image[t]] = 1;
  }
  for (int64_t i = 0; i < n_images; ++i)
    if (!has_text[i]) return fail(CM_ERR_ARGUMENT, "rank: image " + std::to_string(i) + " has no text");
  CM_RETURN_IF(require_device());
  cudaStream_t stream = cudaStreamPerThread;
  DeviceBuffer di, dt, dmap, dir, dtr;
  CM_RETURN_IF(upload(images, sizeof(float) * n_images * dim, stream, di, "rank images"));
  CM_RETURN_IF(upload(texts, sizeof(float) * n_texts * dim, stream, dt, "rank texts"));
  CM_RETURN_IF(upload(text_image, sizeof(int64_t) * n_texts, stream, dmap, "rank mapping"));
  CM_RETURN_IF(dir.allocate(sizeof(int64_t) * n_images, stream, "image ranks"));
  CM_RETURN_IF(dtr.allocate(sizeof(int64_t) * n_texts, stream, "text ranks"));
  CM_RETURN_IF(cm_cuda_rank_bidirectional_dev(di.as<void>(), n_images, dt.as<void>(), n_texts, dim, CM_CUDA_F32,
                                              dmap.as<int64_t>(), normalize, dir.as<int64_t>(), dtr.as<int64_t>(),
                                              stream));
  CM_CUDA_CALL(cudaMemcpyAsync(image_ranks, dir.as<void>(), sizeof(int64_t) * n_images, cudaMemcpyDeviceToHost,
                               stream),
               "rank: copying the ranks back");
  CM_CUDA_CALL(cudaMemcpyAsync(text_ranks, dtr.as<void>(), sizeof(int64_t) * n_texts, cudaMemcpyDeviceToHost,
                               stream),
               "rank: copying the ranks back");
  CM_CUDA_CALL(cudaStreamSynchronize(stream), "rank");
  return CM_OK;
}
