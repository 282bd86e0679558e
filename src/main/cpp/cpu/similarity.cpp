// Fused similarity: (normalise) -> canonical scores -> scale -> (row softmax), written to a dense matrix.
#include <algorithm>
#include <cmath>

#include "common.h"

namespace clipmatch {

extern "C" int cm_similarity(const float* a, int64_t n, const float* b, int64_t m, int64_t dim, int normalize, float scale,
                  int softmax, float* out) {
  if (int rc = cpu::check_matrix(a, n, dim, "similarity queries")) return rc;
  if (int rc = cpu::check_matrix(b, m, dim, "similarity candidates")) return rc;
  if (out == nullptr) return cpu::fail(CM_ERR_ARGUMENT, "similarity: null output");
  cpu::Rows qa(a, n, dim, normalize != 0), qb(b, m, dim, normalize != 0);
  if (qa.status() != CM_OK) return qa.status();
  if (qb.status() != CM_OK) return qb.status();
  cpu::for_each_score_block(qa.data(), n, qb.data(), m, dim,
                            [&](int64_t q0, int64_t qn, int64_t c0, int64_t cn, const float* s, int64_t ld, int) {
                              for (int64_t i = 0; i < qn; ++i) {
                                float* row = out + (q0 + i) * m + c0;
                                for (int64_t j = 0; j < cn; ++j) row[j] = s[i * ld + j] * scale;
                              }
                            });
  if (softmax != 0) {
    // exp(x - max) summed in double; probabilities rounded once to float.
    cpu::parallel_for(n, 16, [&](int64_t begin, int64_t end, int) {
      for (int64_t i = begin; i < end; ++i) {
        float* row = out + i * m;
        float max = *std::max_element(row, row + m);
        double sum = 0.0;
        for (int64_t j = 0; j < m; ++j) sum += std::exp(static_cast<double>(row[j]) - max);
        for (int64_t j = 0; j < m; ++j) row[j] = static_cast<float>(std::exp(static_cast<double>(row[j]) - max) / sum);
      }
    });
  }
  return CM_OK;
}

}  // namespace clipmatch
