// Streaming rank: each query's best-positive score is computed first with the same canonical score, then
// every candidate tile is compared against it; the score matrix never exists in memory.
#include <algorithm>
#include <string>
#include <vector>

#include "common.h"

namespace clipmatch {
namespace {

float pair_score(const float* q, const float* c, int64_t dim) {
  float s;
  cpu::score_block()(q, 1, dim, c, 1, dim, dim, &s, 1);
  return s;
}

// Best positive of one query: highest score, lowest index among equal scores.
void best_of(const float* query, const float* cands, int64_t dim, const int64_t* pos, int64_t npos,
             float* best_score, int64_t* best_index) {
  float best = 0.0f;
  int64_t index = -1;
  for (int64_t p = 0; p < npos; ++p) {
    float s = pair_score(query, cands + pos[p] * dim, dim);
    if (index < 0 || s > best || (s == best && pos[p] < index)) {
      best = s;
      index = pos[p];
    }
  }
  *best_score = best;
  *best_index = index;
}

// The epilogues run once per score, so they get vector versions too (GCC picks one per CPU at load time).
#define CLIPMATCH_VECTOR_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

// Candidates that outrank a positive with score `th` at index `ti`.
CLIPMATCH_VECTOR_CLONES
int64_t count_above(const float* s, int64_t n, int64_t first_index, float th, int64_t ti) {
  int64_t count = 0;
  for (int64_t j = 0; j < n; ++j) count += (s[j] > th) | ((s[j] == th) & (first_index + j < ti));
  return count;
}

// Column side of the bidirectional pass: text j gains one rank when this image outscores its own image.
CLIPMATCH_VECTOR_CLONES
void count_columns(const float* s, int64_t n, int64_t image, const float* text_best, const int64_t* text_image,
                   int64_t* counts) {
  for (int64_t j = 0; j < n; ++j)
    counts[j] += (s[j] > text_best[j]) | ((s[j] == text_best[j]) & (image < text_image[j]));
}

}  // namespace

extern "C" int cm_rank(const float* queries, int64_t nq, const float* cands, int64_t nc, int64_t dim,
            const int64_t* pos_offsets, const int64_t* pos_indices, int normalize, int64_t* ranks,
            int64_t* best_positive) {
  if (int rc = cpu::check_matrix(queries, nq, dim, "rank queries")) return rc;
  if (int rc = cpu::check_matrix(cands, nc, dim, "rank candidates")) return rc;
  if (pos_offsets == nullptr || pos_indices == nullptr || ranks == nullptr)
    return cpu::fail(CM_ERR_ARGUMENT, "rank: null positives or output");
  if (pos_offsets[0] != 0) return cpu::fail(CM_ERR_ARGUMENT, "rank: positive offsets must start at 0");
  for (int64_t q = 0; q < nq; ++q) {
    if (pos_offsets[q + 1] <= pos_offsets[q])
      return cpu::fail(CM_ERR_ARGUMENT, "rank: query " + std::to_string(q) + " has no positive");
    for (int64_t p = pos_offsets[q]; p < pos_offsets[q + 1]; ++p)
      if (pos_indices[p] < 0 || pos_indices[p] >= nc)
        return cpu::fail(CM_ERR_ARGUMENT, "rank: query " + std::to_string(q) + " has positive " +
                                              std::to_string(pos_indices[p]) + " outside [0, " +
                                              std::to_string(nc) + ")");
  }
  cpu::Rows q(queries, nq, dim, normalize != 0), c(cands, nc, dim, normalize != 0);
  if (q.status() != CM_OK) return q.status();
  if (c.status() != CM_OK) return c.status();

  std::vector<float> best(nq);
  std::vector<int64_t> best_index(nq);
  cpu::parallel_for(nq, 64, [&](int64_t begin, int64_t end, int) {
    for (int64_t i = begin; i < end; ++i) {
      best_of(q.data() + i * dim, c.data(), dim, pos_indices + pos_offsets[i], pos_offsets[i + 1] - pos_offsets[i],
              &best[i], &best_index[i]);
      ranks[i] = 0;
    }
  });
  cpu::for_each_score_block(q.data(), nq, c.data(), nc, dim,
                            [&](int64_t q0, int64_t qn, int64_t c0, int64_t cn, const float* s, int64_t ld, int) {
                              for (int64_t i = 0; i < qn; ++i)
                                ranks[q0 + i] += count_above(s + i * ld, cn, c0, best[q0 + i], best_index[q0 + i]);
                            });
  if (best_positive != nullptr)
    for (int64_t i = 0; i < nq; ++i) best_positive[i] = best_index[i];
  return CM_OK;
}

extern "C" int cm_rank_bidirectional(const float* images, int64_t n_images, const float* texts, int64_t n_texts, int64_t dim,
                          const int64_t* text_image, int normalize, int64_t* image_ranks, int64_t* text_ranks) {
  if (int rc = cpu::check_matrix(images, n_images, dim, "rank images")) return rc;
  if (int rc = cpu::check_matrix(texts, n_texts, dim, "rank texts")) return rc;
  if (text_image == nullptr || image_ranks == nullptr || text_ranks == nullptr)
    return cpu::fail(CM_ERR_ARGUMENT, "rank: null mapping or output");
  // Image i's positives as CSR, in increasing text order.
  std::vector<int64_t> offsets(n_images + 1, 0), members(n_texts);
  for (int64_t t = 0; t < n_texts; ++t) {
    if (text_image[t] < 0 || text_image[t] >= n_images)
      return cpu::fail(CM_ERR_ARGUMENT, "rank: text " + std::to_string(t) + " maps to image " +
                                            std::to_string(text_image[t]) + " outside [0, " +
                                            std::to_string(n_images) + ")");
    ++offsets[text_image[t] + 1];
  }
  for (int64_t i = 0; i < n_images; ++i) {
    if (offsets[i + 1] == 0) return cpu::fail(CM_ERR_ARGUMENT, "rank: image " + std::to_string(i) + " has no text");
    offsets[i + 1] += offsets[i];
  }
  {
    std::vector<int64_t> fill(offsets.begin(), offsets.end() - 1);
    for (int64_t t = 0; t < n_texts; ++t) members[fill[text_image[t]]++] = t;
  }
  cpu::Rows im(images, n_images, dim, normalize != 0), tx(texts, n_texts, dim, normalize != 0);
  if (im.status() != CM_OK) return im.status();
  if (tx.status() != CM_OK) return tx.status();

  std::vector<float> image_best(n_images), text_best(n_texts);
  std::vector<int64_t> image_best_text(n_images);
  cpu::parallel_for(n_images, 64, [&](int64_t begin, int64_t end, int) {
    for (int64_t i = begin; i < end; ++i) {
      best_of(im.data() + i * dim, tx.data(), dim, members.data() + offsets[i], offsets[i + 1] - offsets[i],
              &image_best[i], &image_best_text[i]);
      image_ranks[i] = 0;
    }
  });
  cpu::parallel_for(n_texts, 256, [&](int64_t begin, int64_t end, int) {
    for (int64_t t = begin; t < end; ++t)
      text_best[t] = pair_score(im.data() + text_image[t] * dim, tx.data() + t * dim, dim);
  });
  // Column counts are per worker (workers share texts), summed at the end.
  std::vector<std::vector<int64_t>> column(cpu::workers(), std::vector<int64_t>(n_texts, 0));
  cpu::for_each_score_block(
      im.data(), n_images, tx.data(), n_texts, dim,
      [&](int64_t q0, int64_t qn, int64_t c0, int64_t cn, const float* s, int64_t ld, int worker) {
        int64_t* col = column[worker].data() + c0;
        const float* tb = text_best.data() + c0;
        const int64_t* ti = text_image + c0;
        for (int64_t i = 0; i < qn; ++i) {
          const float* row = s + i * ld;
          int64_t image = q0 + i;
          image_ranks[image] += count_above(row, cn, c0, image_best[image], image_best_text[image]);
          count_columns(row, cn, image, tb, ti, col);
        }
      });
  for (int64_t t = 0; t < n_texts; ++t) {
    int64_t sum = 0;
    for (const auto& w : column) sum += w[t];
    text_ranks[t] = sum;
  }
  return CM_OK;
}

extern "C" int cm_rank_block_counts(const float* images, int64_t n_images, int64_t image_offset, const float* texts,
                         int64_t n_texts, int64_t text_offset, int64_t dim, const float* image_best,
                         const int64_t* image_best_text, const float* text_best, const int64_t* text_image,
                         int64_t* image_counts, int64_t* text_counts) {
  if (int rc = cpu::check_matrix(images, n_images, dim, "block images")) return rc;
  if (int rc = cpu::check_matrix(texts, n_texts, dim, "block texts")) return rc;
  if (image_best == nullptr || image_best_text == nullptr || text_best == nullptr || text_image == nullptr ||
      image_counts == nullptr || text_counts == nullptr)
    return cpu::fail(CM_ERR_ARGUMENT, "rank_block_counts: null thresholds or output");
  if (image_offset < 0 || text_offset < 0) return cpu::fail(CM_ERR_ARGUMENT, "rank_block_counts: negative offset");
  std::fill(image_counts, image_counts + n_images, 0);
  std::vector<std::vector<int64_t>> column(cpu::workers(), std::vector<int64_t>(n_texts, 0));
  cpu::for_each_score_block(
      images, n_images, texts, n_texts, dim,
      [&](int64_t q0, int64_t qn, int64_t c0, int64_t cn, const float* s, int64_t ld, int worker) {
        int64_t* col = column[worker].data() + c0;
        for (int64_t i = 0; i < qn; ++i) {
          const float* row = s + i * ld;
          int64_t image = q0 + i;
          image_counts[image] += count_above(row, cn, text_offset + c0, image_best[image], image_best_text[image]);
          count_columns(row, cn, image_offset + image, text_best + c0, text_image + c0, col);
        }
      });
  for (int64_t t = 0; t < n_texts; ++t) {
    int64_t sum = 0;
    for (const auto& w : column) sum += w[t];
    text_counts[t] = sum;
  }
  return CM_OK;
}

extern "C" int cm_rank_submatrix(const float* scores, int64_t ld, const int64_t* rows, int64_t n_rows, const int64_t* cols,
                      int64_t n_cols, const int64_t* col_image, int64_t* image_ranks, int64_t* text_ranks) {
  if (scores == nullptr || rows == nullptr || cols == nullptr || col_image == nullptr || image_ranks == nullptr ||
      text_ranks == nullptr)
    return cpu::fail(CM_ERR_ARGUMENT, "rank_submatrix: null argument");
  if (n_rows < 1 || n_cols < 1 || ld < 1) return cpu::fail(CM_ERR_ARGUMENT, "rank_submatrix: empty sub-matrix");
  std::vector<int64_t> count(n_rows, 0);
  for (int64_t c = 0; c < n_cols; ++c) {
    if (col_image[c] < 0 || col_image[c] >= n_rows)
      return cpu::fail(CM_ERR_ARGUMENT, "rank_submatrix: text " + std::to_string(c) + " maps outside the sub-matrix");
    if (cols[c] < 0 || cols[c] >= ld) return cpu::fail(CM_ERR_ARGUMENT, "rank_submatrix: column outside the matrix");
    ++count[col_image[c]];
  }
  for (int64_t i = 0; i < n_rows; ++i)
    if (count[i] == 0) return cpu::fail(CM_ERR_ARGUMENT, "rank_submatrix: image " + std::to_string(i) + " has no text");
  std::vector<float> row(n_cols), threshold(n_cols);
  for (int64_t c = 0; c < n_cols; ++c) threshold[c] = scores[rows[col_image[c]] * ld + cols[c]];
  std::fill(text_ranks, text_ranks + n_cols, 0);
  for (int64_t i = 0; i < n_rows; ++i) {
    const float* src = scores + rows[i] * ld;
    for (int64_t c = 0; c < n_cols; ++c) row[c] = src[cols[c]];
    // best positive: highest score, lowest column among equals (columns are increasing)
    float best = 0.0f;
    int64_t best_col = -1;
    for (int64_t c = 0; c < n_cols; ++c)
      if (col_image[c] == i && (best_col < 0 || row[c] > best)) {
        best = row[c];
        best_col = c;
      }
    image_ranks[i] = count_above(row.data(), n_cols, 0, best, best_col);
    count_columns(row.data(), n_cols, i, threshold.data(), col_image, text_ranks);
  }
  return CM_OK;
}

}  // namespace clipmatch
