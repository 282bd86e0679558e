// Streaming top-k: a bounded heap per query, kept in the output arrays themselves, fed tile by tile.
#include <algorithm>
#include <numeric>
#include <vector>

#include "common.h"

namespace clipmatch {
namespace {

// Order of results: higher score first, lower index first among equal scores.
inline bool better(float sa, int64_t ia, float sb, int64_t ib) { return sa > sb || (sa == sb && ia < ib); }

// Min-heap on `better` (root = worst kept) over parallel arrays.
void sift_down(float* s, int64_t* idx, int64_t size, int64_t at) {
  for (;;) {
    int64_t worst = at, l = 2 * at + 1, r = l + 1;
    if (l < size && better(s[worst], idx[worst], s[l], idx[l])) worst = l;
    if (r < size && better(s[worst], idx[worst], s[r], idx[r])) worst = r;
    if (worst == at) return;
    std::swap(s[at], s[worst]);
    std::swap(idx[at], idx[worst]);
    at = worst;
  }
}

void sift_up(float* s, int64_t* idx, int64_t at) {
  while (at > 0) {
    int64_t parent = (at - 1) / 2;
    if (!better(s[parent], idx[parent], s[at], idx[at])) return;
    std::swap(s[at], s[parent]);
    std::swap(idx[at], idx[parent]);
    at = parent;
  }
}

}  // namespace

extern "C" int cm_topk(const float* queries, int64_t nq, const float* cands, int64_t nc, int64_t dim, int64_t k, int normalize,
            float* scores, int64_t* indices) {
  if (int rc = cpu::check_matrix(queries, nq, dim, "topk queries")) return rc;
  if (int rc = cpu::check_matrix(cands, nc, dim, "topk candidates")) return rc;
  if (k < 1 || k > nc)
    return cpu::fail(CM_ERR_ARGUMENT, "topk: k = " + std::to_string(k) + " is outside [1, " + std::to_string(nc) + "]");
  if (scores == nullptr || indices == nullptr) return cpu::fail(CM_ERR_ARGUMENT, "topk: null output");
  cpu::Rows q(queries, nq, dim, normalize != 0), c(cands, nc, dim, normalize != 0);
  if (q.status() != CM_OK) return q.status();
  if (c.status() != CM_OK) return c.status();

  std::vector<int64_t> filled(nq, 0);
  cpu::for_each_score_block(
      q.data(), nq, c.data(), nc, dim,
      [&](int64_t q0, int64_t qn, int64_t c0, int64_t cn, const float* s, int64_t ld, int) {
        for (int64_t i = 0; i < qn; ++i) {
          float* hs = scores + (q0 + i) * k;
          int64_t* hi = indices + (q0 + i) * k;
          int64_t& size = filled[q0 + i];
          const float* row = s + i * ld;
          for (int64_t j = 0; j < cn; ++j) {
            if (size < k) {
              hs[size] = row[j];
              hi[size] = c0 + j;
              sift_up(hs, hi, size++);
            } else if (row[j] >= hs[0] && better(row[j], c0 + j, hs[0], hi[0])) {
              hs[0] = row[j];
              hi[0] = c0 + j;
              sift_down(hs, hi, k, 0);
            }
          }
        }
      });
  cpu::parallel_for(nq, 64, [&](int64_t begin, int64_t end, int) {
    std::vector<int64_t> order(k);
    std::vector<float> s(k);
    std::vector<int64_t> ix(k);
    for (int64_t qi = begin; qi < end; ++qi) {
      float* hs = scores + qi * k;
      int64_t* hi = indices + qi * k;
      std::iota(order.begin(), order.end(), 0);
      std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return better(hs[a], hi[a], hs[b], hi[b]); });
      for (int64_t r = 0; r < k; ++r) {
        s[r] = hs[order[r]];
        ix[r] = hi[order[r]];
      }
      std::copy(s.begin(), s.end(), hs);
      std::copy(ix.begin(), ix.end(), hi);
    }
  });
  return CM_OK;
}

}  // namespace clipmatch
