// clipmatch native kernels: one C ABI over raw pointers, implemented for the CPU (cpu/) and,
// when built with CLIPMATCH_CUDA, for the GPU (cuda/). Both backends follow the same semantics.
//
// Conventions
// - Matrices are dense, row-major, contiguous float32: a query or candidate is one row of `dim` floats.
// - Scores are dot products of rows. With `normalize` != 0 both sides are first L2-normalised
//   (row / sqrt(sum of squares), accumulated in double), so scores are cosine similarities.
// - On the CPU every score is the canonical 16-lane dot product: lane l accumulates x[i]*y[i] with fused
//   multiply-add over i = l, l+16, l+32, ... (missing tail elements count as zero), then the lanes are summed
//   pairwise: l[i] += l[i+8], l[i] += l[i+4], l[i] += l[i+2], l[0] + l[1]. Every kernel computes a given
//   pair's score bit-identically, whatever the tiling or thread count, so rank and top-K are exact and
//   reproducible, and the plain-Java reference (dev.clipmatch.kernels.ReferenceKernels) matches bit for bit.
// - Rank of a query = number of candidates whose score is strictly higher than the query's best positive,
//   an equal score counting as higher only when the candidate index is lower (clipmatch's own rule, see README). The
//   best positive is the positive with the highest score, the lowest index among equals.
// - Every function returns a status code of status.h; cm_last_error() describes the last failure of the
//   calling thread. No function keeps a pointer after it returns.
#ifndef CLIPMATCH_KERNELS_H
#define CLIPMATCH_KERNELS_H

#include <stdint.h>

#include "clipmatch/status.h"

#ifdef __cplusplus
extern "C" {
#endif

// Worker threads for the CPU kernels (n <= 0: one per core). Returns the number now in use.
CM_API int cm_set_threads(int n);

// In place: each of `rows` rows of `dim` floats becomes row / ||row||. A zero row is an error.
CM_API int cm_normalize_rows(float* x, int64_t rows, int64_t dim);

// out[i][j] = scale * score(a_i, b_j); with `softmax` != 0 each output row is then replaced by its softmax
// (probabilities of the candidates b for query a_i). out is [n][m].
CM_API int cm_similarity(const float* a, int64_t n, const float* b, int64_t m, int64_t dim,
                  int normalize, float scale, int softmax, float* out);

// Streaming rank (never materialises the n x m score matrix). Query q's positives are
// pos_indices[pos_offsets[q] .. pos_offsets[q+1]) (candidate indices, at least one each).
// ranks[q] = 0-based rank of its best positive; best_positive (may be null) receives that positive's index.
CM_API int cm_rank(const float* queries, int64_t nq, const float* cands, int64_t nc, int64_t dim,
            const int64_t* pos_offsets, const int64_t* pos_indices, int normalize,
            int64_t* ranks, int64_t* best_positive);

// Both retrieval directions in one pass over the image x text scores: text t belongs to image
// text_image[t]; image i's positives are all texts t with text_image[t] == i (at least one each).
// image_ranks[i] is the image->text rank, text_ranks[t] the text->image rank.
CM_API int cm_rank_bidirectional(const float* images, int64_t n_images, const float* texts, int64_t n_texts,
                          int64_t dim, const int64_t* text_image, int normalize,
                          int64_t* image_ranks, int64_t* text_ranks);

// Ranks inside a sub-matrix of an existing score matrix (row-major, leading dimension ld): image rows
// rows[0..n_rows) and text columns cols[0..n_cols), both increasing; col_image[c] is the local row of text c's
// image. Ranks are local to the sub-matrix, with the rules above (the sampled protocol's inner loop). Runs on
// the calling thread: it is meant for many small concurrent calls.
CM_API int cm_rank_submatrix(const float* scores, int64_t ld, const int64_t* rows, int64_t n_rows, const int64_t* cols,
                      int64_t n_cols, const int64_t* col_image, int64_t* image_ranks, int64_t* text_ranks);

// One block of a distributed rank (cm_rank_bidirectional cut into image x text blocks): for images
// [image_offset, image_offset + n_images) and texts [text_offset, text_offset + n_texts), with global indices,
// image_counts[i] = texts j of the block that outrank image i's best positive (score image_best[i] at global
// text index image_best_text[i]), and text_counts[j] = images i of the block that outrank text j's own image
// (score text_best[j] at global image index text_image[j]). An equal score counts only for a lower global
// candidate index, so summing a query's counts over all blocks gives exactly its cm_rank_bidirectional rank.
// Rows are used as given (normalise them first). Thresholds and outputs are per block row (indexed from 0).
CM_API int cm_rank_block_counts(const float* images, int64_t n_images, int64_t image_offset, const float* texts,
                         int64_t n_texts, int64_t text_offset, int64_t dim, const float* image_best,
                         const int64_t* image_best_text, const float* text_best, const int64_t* text_image,
                         int64_t* image_counts, int64_t* text_counts);

// Streaming top-k: for each query the k best candidates, by score descending, ties by lower index.
// scores and indices are [nq][k]; requires 1 <= k <= nc.
CM_API int cm_topk(const float* queries, int64_t nq, const float* cands, int64_t nc, int64_t dim, int64_t k,
            int normalize, float* scores, int64_t* indices);

#ifdef __cplusplus
}
#endif

#endif
