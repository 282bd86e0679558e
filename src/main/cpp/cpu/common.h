// Internals shared by the CPU kernels: errors, the worker pool and the canonical score micro-kernels.
#ifndef CLIPMATCH_CPU_COMMON_H
#define CLIPMATCH_CPU_COMMON_H

#include <cstdint>
#include <functional>
#include <string>

#include "clipmatch/kernels.h"

namespace clipmatch {
namespace cpu {

// Records the message for cm_last_error() and returns the code.
int fail(int code, const std::string& message);

// Runs body(begin, end, worker) over [0, count) in chunks of `grain`, spread over the pool; the calling
// thread takes part. worker is in [0, workers()).
void parallel_for(int64_t count, int64_t grain, const std::function<void(int64_t, int64_t, int)>& body);
int workers();

// The instruction set of every kernel family, chosen once per process: AVX-512 where the CPU has it, else
// AVX2+FMA, else portable. CLIPMATCH_CPU_ISA=avx512|avx2|portable forces one the CPU supports (tests, benchmarks).
enum class Isa { kPortable, kAvx2, kAvx512 };
Isa chosen_isa();
const char* isa_name(Isa isa);

// Canonical scores (see kernels.h) of every pair: out[i * ldo + j] = score(q_i, c_j), for nq x nc rows of
// `dim` floats with row strides ldq / ldc. The implementation is chosen once for the CPU (AVX-512, AVX2, or
// portable), and all of them give bit-identical results.
using ScoreBlockFn = void (*)(const float* q, int64_t nq, int64_t ldq, const float* c, int64_t nc,
                              int64_t ldc, int64_t dim, float* out, int64_t ldo);
ScoreBlockFn score_block();
const char* score_block_isa();

void score_block_portable(const float* q, int64_t nq, int64_t ldq, const float* c, int64_t nc, int64_t ldc,
                          int64_t dim, float* out, int64_t ldo);
void score_block_avx2(const float* q, int64_t nq, int64_t ldq, const float* c, int64_t nc, int64_t ldc,
                      int64_t dim, float* out, int64_t ldo);
void score_block_avx512(const float* q, int64_t nq, int64_t ldq, const float* c, int64_t nc, int64_t ldc,
                        int64_t dim, float* out, int64_t ldo);

// Normalised copy when `normalize` is set, else the input itself; owns what it allocates.
class Rows {
 public:
  Rows(const float* data, int64_t rows, int64_t dim, bool normalize);
  ~Rows();
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  const float* data() const { return data_; }
  int status() const { return status_; }

 private:
  const float* data_;
  float* owned_ = nullptr;
  int status_ = CM_OK;
};

// Validation shared by the entry points; each returns CM_OK or the recorded error.
int check_matrix(const void* p, int64_t rows, int64_t dim, const char* what);

// Tiled traversal of the score matrix: calls epilogue(q0, nq, c0, nc, scores, ld) for each block of
// queries [q0, q0+nq) x candidates [c0, c0+nc), candidates in increasing order for any one query, with
// the block's canonical scores; worker identifies the calling thread.
using Epilogue = std::function<void(int64_t q0, int64_t nq, int64_t c0, int64_t nc, const float* scores,
                                    int64_t ld, int worker)>;
void for_each_score_block(const float* q, int64_t nq, const float* c, int64_t nc, int64_t dim,
                          const Epilogue& epilogue);

}  // namespace cpu
}  // namespace clipmatch

#endif
