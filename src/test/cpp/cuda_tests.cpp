// Native check of the CUDA kernels against the CPU kernels, without the JVM (the GPU machine has no JDK).
//
// Always: argument validation of every entry point (it happens before any CUDA call, so it runs on machines
// without a GPU too) and the sortable keys behind rank and top-K.
// With a device: random shapes (odd sizes, dim not a multiple of 16, N or M = 1, duplicated rows for exact
// ties, K = 1 ... 1024 across several candidate chunks), poisoned outputs, then
// - fp32 (host and device pointers): scores, ranks, best positives and top-K bit-identical to the CPU
//   kernels; softmax probabilities within 4 ulp;
// - fp16/bf16 (tensor cores, each engine the device has: mma.sync, and wgmma on compute capability 9.0):
//   scores within a stated relative error of an fp64 reference, and rank / top-K
//   exactly equal to a brute-force pass over the kernels' own score matrix (same arithmetic);
// - data errors found on the device (zero rows, positives out of range) come back as error codes.
// Usage: clipmatch_cuda_tests [--require-gpu] [--quick] [--seed N]. Exit 0 = pass; without a device and
// without --require-gpu the GPU part is skipped with a notice; --quick keeps the small shapes only (for runs
// under compute-sanitizer).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "../../main/cpp/cuda/common.cuh"
#include "check.h"
#include "clipmatch/kernels.h"
#include "clipmatch/kernels_cuda.h"

namespace {


#define CUDA_OK(call)                                                                              \
  do {                                                                                             \
    cudaError_t e_ = (call);                                                                       \
    if (e_ != cudaSuccess) {                                                                       \
      std::fprintf(stderr, "FATAL %s:%d: %s: %s\n", __FILE__, __LINE__, #call, cudaGetErrorString(e_)); \
      std::exit(2);                                                                                \
    }                                                                                              \
  } while (0)

std::mt19937_64 rng;

std::vector<float> random_rows(int64_t rows, int64_t dim) {
  std::normal_distribution<float> normal;
  std::vector<float> v(rows * dim);
  for (auto& x : v) x = normal(rng);
  return v;
}

// Copies row `from` over row `to`: two candidates with bit-identical scores for every query.
void duplicate_row(std::vector<float>& v, int64_t dim, int64_t from, int64_t to) {
  std::copy(v.begin() + from * dim, v.begin() + (from + 1) * dim, v.begin() + to * dim);
}

bool contains(const char* text, const char* part) { return std::strstr(text, part) != nullptr; }

// ---------------------------------------------------------------------------------------------------------
// Host-only checks.

void check_keys() {
  using clipmatch::cuda::key_index;
  using clipmatch::cuda::key_score;
  using clipmatch::cuda::make_key;
  const float specials[] = {0.0f, -0.0f, 1.0f, -1.0f, 1e-40f, -1e-40f, 3.4e38f, -3.4e38f, INFINITY, -INFINITY};
  std::uniform_real_distribution<float> uniform(-2.0f, 2.0f);
  std::uniform_int_distribution<int64_t> index(0, clipmatch::cuda::kMaxCandidates);
  for (int i = 0; i < 200000; ++i) {
    float sa = i % 7 == 0 ? specials[i % 10] : uniform(rng), sb = i % 5 == 0 ? sa : uniform(rng);
    if (i % 11 == 0) sb = specials[(i / 11) % 10];
    int64_t ia = index(rng), ib = i % 3 == 0 ? index(rng) % 64 : index(rng);
    bool better = sa > sb || (sa == sb && ia < ib);
    bool key_better = make_key(sa, ia) > make_key(sb, ib);
    if (ia != ib) CHECK(better == key_better, "key order (%g,%lld) vs (%g,%lld)", sa, (long long)ia, sb, (long long)ib);
    unsigned long long k = make_key(sa, ia);
    CHECK(key_index(k) == ia && (key_score(k) == sa), "key round trip (%g,%lld)", sa, (long long)ia);
  }
}

void check_arguments() {
  float x[8] = {1, 2, 3, 4, 5, 6, 7, 8}, out[16];
  int64_t offsets[3] = {0, 1, 2}, bad_start[3] = {1, 1, 2}, empty[3] = {0, 0, 2}, positives[2] = {0, 5};
  int64_t ranks[2], best[2], indices[8], text_image[4] = {0, 1, 0, 7}, lonely[2] = {0, 0};
  CHECK(cm_cuda_similarity(nullptr, 2, x, 2, 4, 1, 1.0f, 0, out) == CM_ERR_ARGUMENT &&
            contains(cm_cuda_last_error(), "null"), "similarity null: %s", cm_cuda_last_error());
  CHECK(cm_cuda_similarity(x, 0, x, 2, 4, 1, 1.0f, 0, out) == CM_ERR_ARGUMENT &&
            contains(cm_cuda_last_error(), "at least one row"), "similarity rows: %s", cm_cuda_last_error());
  CHECK(cm_cuda_similarity(x, 2, x, 2, 0, 1, 1.0f, 0, out) == CM_ERR_ARGUMENT &&
            contains(cm_cuda_last_error(), "dimension"), "similarity dim: %s", cm_cuda_last_error());
  CHECK(cm_cuda_similarity(x, 2, x, 2, 4, 1, 1.0f, 0, nullptr) == CM_ERR_ARGUMENT, "similarity out");
  CHECK(cm_cuda_rank(x, 2, x, 2, 4, bad_start, positives, 1, ranks, best) == CM_ERR_ARGUMENT &&
            contains(cm_cuda_last_error(), "start at 0"), "rank offsets: %s", cm_cuda_last_error());
  CHECK(cm_cuda_rank(x, 2, x, 2, 4, empty, positives, 1, ranks, best) == CM_ERR_ARGUMENT &&
            contains(cm_cuda_last_error(), "query 0 has no positive"), "rank empty: %s", cm_cuda_last_error());
  CHECK(cm_cuda_rank(x, 2, x, 2, 4, offsets, positives, 1, ranks, best) == CM_ERR_ARGUMENT &&
            contains(cm_cuda_last_error(), "positive 5 outside [0, 2)"), "rank range: %s", cm_cuda_last_error());
  CHECK(cm_cuda_rank_bidirectional(x, 2, x, 2, 4, nullptr, 1, ranks, ranks) == CM_ERR_ARGUMENT, "bidi null");
  CHECK(cm_cuda_rank_bidirectional(x, 4, x, 4, 2, text_image, 1, ranks, ranks) == CM_ERR_ARGUMENT &&
            contains(cm_cuda_last_error(), "text 3 maps to image 7"), "bidi range: %s", cm_cuda_last_error());
  CHECK(cm_cuda_rank_bidirectional(x, 2, x, 2, 4, lonely, 1, ranks, ranks) == CM_ERR_ARGUMENT &&
            contains(cm_cuda_last_error(), "image 1 has no text"), "bidi lonely: %s", cm_cuda_last_error());
  CHECK(cm_cuda_topk(x, 2, x, 2, 4, 3, 1, out, indices) == CM_ERR_ARGUMENT &&
            contains(cm_cuda_last_error(), "k = 3 is outside [1, 2]"), "topk k: %s", cm_cuda_last_error());
  CHECK(cm_cuda_topk(x, 2, x, 2, 4, 0, 1, out, indices) == CM_ERR_ARGUMENT, "topk k=0");
  CHECK(cm_cuda_topk_dev(x, 1, x, 5000, 1, CM_CUDA_F32, 4097, 1, out, indices, nullptr) == CM_ERR_ARGUMENT &&
            contains(cm_cuda_last_error(), "limit of 4096"), "topk max k: %s", cm_cuda_last_error());
  CHECK(cm_cuda_rank_dev(x, 2, x, 2, 4, 7, offsets, positives, 1, ranks, best, nullptr) == CM_ERR_ARGUMENT &&
            contains(cm_cuda_last_error(), "unknown dtype 7"), "dtype: %s", cm_cuda_last_error());
  CHECK(cm_cuda_normalize_rows(nullptr, 2, 4) == CM_ERR_ARGUMENT, "normalize null");
  int count = -1;
  CHECK(cm_cuda_device_count(&count) == CM_OK && count >= 0, "device_count");
  CHECK(cm_cuda_device_count(nullptr) == CM_ERR_ARGUMENT, "device_count null");
  CHECK(cm_cuda_set_tensor_engine(5) == CM_ERR_ARGUMENT && contains(cm_cuda_last_error(), "unknown engine 5"),
        "engine: %s", cm_cuda_last_error());
  CHECK(cm_cuda_tensor_engine() == CM_CUDA_ENGINE_MMA || std::getenv("CLIPMATCH_CUDA_ENGINE") != nullptr,
        "default engine is mma.sync");
}

// ---------------------------------------------------------------------------------------------------------
// Brute-force references over a materialised score matrix (the CPU kernels' or the GPU's own).

template <class T>
std::vector<int64_t> ranks_from(const std::vector<T>& s, int64_t n, int64_t m, const std::vector<int64_t>& off,
                                const std::vector<int64_t>& pos, std::vector<int64_t>* best_out) {
  std::vector<int64_t> ranks(n);
  for (int64_t q = 0; q < n; ++q) {
    int64_t best = -1;
    for (int64_t p = off[q]; p < off[q + 1]; ++p) {
      int64_t c = pos[p];
      if (best < 0 || s[q * m + c] > s[q * m + best] || (s[q * m + c] == s[q * m + best] && c < best)) best = c;
    }
    T th = s[q * m + best];
    int64_t r = 0;
    for (int64_t c = 0; c < m; ++c) r += s[q * m + c] > th || (s[q * m + c] == th && c < best);
    ranks[q] = r;
    if (best_out) (*best_out)[q] = best;
  }
  return ranks;
}

void text_ranks_from(const std::vector<float>& s, int64_t n, int64_t m, const std::vector<int64_t>& text_image,
                     std::vector<int64_t>& text_ranks) {
  text_ranks.assign(m, 0);
  for (int64_t t = 0; t < m; ++t) {
    int64_t g = text_image[t];
    for (int64_t i = 0; i < n; ++i)
      text_ranks[t] += s[i * m + t] > s[g * m + t] || (s[i * m + t] == s[g * m + t] && i < g);
  }
}

void topk_from(const std::vector<float>& s, int64_t n, int64_t m, int64_t k, std::vector<float>& scores,
               std::vector<int64_t>& indices) {
  scores.resize(n * k);
  indices.resize(n * k);
  std::vector<int64_t> order(m);
  for (int64_t q = 0; q < n; ++q) {
    std::iota(order.begin(), order.end(), 0);
    const float* row = &s[q * m];
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int64_t a, int64_t b) {
      return row[a] > row[b] || (row[a] == row[b] && a < b);
    });
    for (int64_t r = 0; r < k; ++r) scores[q * k + r] = row[order[r]], indices[q * k + r] = order[r];
  }
}

// Query q's positives: candidates q, q + n, q + 2n, ... (at least one: m >= 1 and q % m covers n > m).
void positives_of(int64_t n, int64_t m, std::vector<int64_t>& off, std::vector<int64_t>& pos) {
  off.assign(1, 0);
  pos.clear();
  for (int64_t q = 0; q < n; ++q) {
    for (int64_t c = q % m; c < m; c += n) pos.push_back(c);
    off.push_back(static_cast<int64_t>(pos.size()));
  }
}

std::vector<int64_t> text_owners(int64_t n, int64_t m) {
  std::vector<int64_t> owner(m);
  for (int64_t t = 0; t < m; ++t) owner[t] = t < n ? t : static_cast<int64_t>(rng() % n);
  return owner;
}

int64_t ulp_distance(float a, float b) {
  int32_t ia, ib;
  std::memcpy(&ia, &a, 4);
  std::memcpy(&ib, &b, 4);
  if ((ia < 0) != (ib < 0)) return a == b ? 0 : INT64_MAX;
  return std::llabs(static_cast<long long>(ia) - ib);
}

// ---------------------------------------------------------------------------------------------------------
// fp32: bit-identical to the CPU kernels.

struct Shape {
  int64_t n, m, dim;
};

void check_fp32(const Shape& sh, int normalize) {
  const int64_t n = sh.n, m = sh.m, dim = sh.dim;
  auto a = random_rows(n, dim), b = random_rows(m, dim);
  if (m > 3) duplicate_row(b, dim, 1, m - 1);  // exact ties between candidates 1 and m-1
  if (n > 2) duplicate_row(a, dim, 0, n - 1);
  char label[96];
  std::snprintf(label, sizeof label, "fp32 %lldx%lldx%lld norm=%d", (long long)n, (long long)m, (long long)dim,
                normalize);

  std::vector<float> cpu(n * m), gpu(n * m, NAN);
  CHECK(cm_similarity(a.data(), n, b.data(), m, dim, normalize, 1.0f, 0, cpu.data()) == CM_OK, "cpu");
  CHECK(cm_cuda_similarity(a.data(), n, b.data(), m, dim, normalize, 1.0f, 0, gpu.data()) == CM_OK, "%s: %s", label,
        cm_cuda_last_error());
  CHECK(std::memcmp(cpu.data(), gpu.data(), sizeof(float) * n * m) == 0, "%s: scores differ from the CPU", label);

  std::vector<float> cpu_p(n * m), gpu_p(n * m, NAN);
  CHECK(cm_similarity(a.data(), n, b.data(), m, dim, normalize, 100.0f, 1, cpu_p.data()) == CM_OK, "cpu");
  CHECK(cm_cuda_similarity(a.data(), n, b.data(), m, dim, normalize, 100.0f, 1, gpu_p.data()) == CM_OK, "%s: %s",
        label, cm_cuda_last_error());
  int64_t worst = 0;
  for (int64_t i = 0; i < n * m; ++i) worst = std::max(worst, ulp_distance(cpu_p[i], gpu_p[i]));
  CHECK(worst <= 4, "%s: softmax differs by %lld ulp", label, (long long)worst);

  std::vector<int64_t> off, pos;
  positives_of(n, m, off, pos);
  std::vector<int64_t> cr(n), cb(n), gr(n, -7), gb(n, -7);
  CHECK(cm_rank(a.data(), n, b.data(), m, dim, off.data(), pos.data(), normalize, cr.data(), cb.data()) ==
            CM_OK, "cpu rank");
  CHECK(cm_cuda_rank(a.data(), n, b.data(), m, dim, off.data(), pos.data(), normalize, gr.data(), gb.data()) == CM_OK,
        "%s: %s", label, cm_cuda_last_error());
  CHECK(cr == gr, "%s: ranks differ from the CPU", label);
  CHECK(cb == gb, "%s: best positives differ from the CPU", label);

  auto owner = text_owners(n, m);
  if (m >= n) {
    std::vector<int64_t> ci(n), ct(m), gi(n, -7), gt(m, -7);
    CHECK(cm_rank_bidirectional(a.data(), n, b.data(), m, dim, owner.data(), normalize, ci.data(),
                                           ct.data()) == CM_OK, "cpu bidirectional");
    CHECK(cm_cuda_rank_bidirectional(a.data(), n, b.data(), m, dim, owner.data(), normalize, gi.data(), gt.data()) ==
              CM_OK, "%s: %s", label, cm_cuda_last_error());
    CHECK(ci == gi && ct == gt, "%s: bidirectional ranks differ from the CPU", label);
  }

  for (int64_t k : {int64_t(1), int64_t(7), int64_t(100), int64_t(1024), m}) {
    if (k > m || k > CM_CUDA_MAX_K) continue;
    std::vector<float> cs(n * k), gs(n * k, NAN);
    std::vector<int64_t> ci(n * k), gi(n * k, -7);
    CHECK(cm_topk(a.data(), n, b.data(), m, dim, k, normalize, cs.data(), ci.data()) == CM_OK, "cpu topk");
    CHECK(cm_cuda_topk(a.data(), n, b.data(), m, dim, k, normalize, gs.data(), gi.data()) == CM_OK, "%s k=%lld: %s",
          label, (long long)k, cm_cuda_last_error());
    CHECK(ci == gi && std::memcmp(cs.data(), gs.data(), sizeof(float) * n * k) == 0, "%s: top-%lld differs", label,
          (long long)k);
  }
}

// ---------------------------------------------------------------------------------------------------------
// fp16 / bf16 through the device-pointer functions on a non-default stream.

template <class T>
T* to_device(const std::vector<T>& v) {
  T* p = nullptr;
  CUDA_OK(cudaMalloc(&p, sizeof(T) * std::max<size_t>(1, v.size())));
  CUDA_OK(cudaMemcpy(p, v.data(), sizeof(T) * v.size(), cudaMemcpyHostToDevice));
  return p;
}
template <class T>
std::vector<T> to_host(const T* p, size_t count) {
  std::vector<T> v(count);
  CUDA_OK(cudaMemcpy(v.data(), p, sizeof(T) * count, cudaMemcpyDeviceToHost));
  return v;
}
template <class T>
T* poisoned(size_t count) {
  T* p = nullptr;
  CUDA_OK(cudaMalloc(&p, sizeof(T) * std::max<size_t>(1, count)));
  CUDA_OK(cudaMemset(p, 0xff, sizeof(T) * count));  // NaN floats, -1 integers
  return p;
}

// Rounds to the 16-bit type and back (the operand values the tensor cores see); raw holds the bits.
std::vector<float> round_to(int dtype, const std::vector<float>& v, std::vector<uint16_t>& raw) {
  std::vector<float> r(v.size());
  raw.resize(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (dtype == CM_CUDA_F16) {
      __half h = __float2half_rn(v[i]);
      std::memcpy(&raw[i], &h, 2);
      r[i] = __half2float(h);
    } else {
      __nv_bfloat16 h = __float2bfloat16_rn(v[i]);
      std::memcpy(&raw[i], &h, 2);
      r[i] = __bfloat162float(h);
    }
  }
  return r;
}

double relative_error(const std::vector<float>& out, const std::vector<double>& ref) {
  double num = 0, den = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    double d = out[i] - ref[i];
    num += d * d;
    den += ref[i] * ref[i];
  }
  return std::isfinite(num) ? std::sqrt(num / den) : INFINITY;
}

void check_reduced(const Shape& sh, int dtype, int normalize, cudaStream_t stream) {
  const int64_t n = sh.n, m = sh.m, dim = sh.dim;
  std::vector<uint16_t> ra, rb;
  auto a = round_to(dtype, random_rows(n, dim), ra);
  auto b = round_to(dtype, random_rows(m, dim), rb);
  if (m > 3) std::copy(rb.begin() + dim, rb.begin() + 2 * dim, rb.begin() + (m - 1) * dim);
  if (m > 3) duplicate_row(b, dim, 1, m - 1);
  const char* name = dtype == CM_CUDA_F16 ? "fp16" : "bf16";
  char label[96];
  std::snprintf(label, sizeof label, "%s %lldx%lldx%lld norm=%d", name, (long long)n, (long long)m, (long long)dim,
                normalize);
  uint16_t* da = to_device(ra);
  uint16_t* db = to_device(rb);
  void* vs = stream;

  // Scores against fp64 arithmetic on the same (rounded) inputs.
  float* dout = poisoned<float>(n * m);
  CHECK(cm_cuda_similarity_dev(da, n, db, m, dim, dtype, normalize, 1.0f, 0, dout, vs) == CM_OK, "%s: %s", label,
        cm_cuda_last_error());
  auto s = to_host(dout, n * m);
  std::vector<double> ref(n * m), na(n, 1.0), nb(m, 1.0);
  if (normalize) {
    for (int64_t i = 0; i < n; ++i) {
      double t = 0;
      for (int64_t d = 0; d < dim; ++d) t += double(a[i * dim + d]) * a[i * dim + d];
      na[i] = std::sqrt(t);
    }
    for (int64_t j = 0; j < m; ++j) {
      double t = 0;
      for (int64_t d = 0; d < dim; ++d) t += double(b[j * dim + d]) * b[j * dim + d];
      nb[j] = std::sqrt(t);
    }
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      double t = 0;
      for (int64_t d = 0; d < dim; ++d) t += double(a[i * dim + d]) * b[j * dim + d];
      ref[i * m + j] = t / (na[i] * nb[j]);
    }
  // Without normalisation the operands are exact and only fp32 accumulation errs; normalised rows are
  // rounded to the 16-bit type once more (2^-8 bf16, 2^-11 fp16 relative per element).
  double tolerance = !normalize ? 1e-5 : dtype == CM_CUDA_F16 ? 2e-3 : 1.5e-2;
  double err = relative_error(s, ref);
  CHECK(err <= tolerance, "%s: relative error %.3g above %.3g", label, err, tolerance);
  std::printf("  %-34s relative error %.2e (tolerance %.0e)\n", label, err, tolerance);

  // Rank and top-K: exact against the kernels' own scores.
  std::vector<int64_t> off, pos;
  positives_of(n, m, off, pos);
  int64_t* doff = to_device(off);
  int64_t* dpos = to_device(pos);
  int64_t* dranks = poisoned<int64_t>(n);
  int64_t* dbest = poisoned<int64_t>(n);
  CHECK(cm_cuda_rank_dev(da, n, db, m, dim, dtype, doff, dpos, normalize, dranks, dbest, vs) == CM_OK, "%s: %s",
        label, cm_cuda_last_error());
  std::vector<int64_t> want_best(n);
  auto want = ranks_from(s, n, m, off, pos, &want_best);
  CHECK(to_host(dranks, n) == want, "%s: ranks differ from its own scores", label);
  CHECK(to_host(dbest, n) == want_best, "%s: best positives differ from its own scores", label);
  // Against exact (fp64) scores: a rank may differ only where another candidate's exact score lies within
  // twice the largest score error of the query's best positive (both may be off by that much): a near tie.
  double max_err = 0;
  for (int64_t i = 0; i < n * m; ++i) max_err = std::max(max_err, std::fabs(double(s[i]) - ref[i]));
  std::vector<int64_t> exact_best(n);
  auto exact = ranks_from(ref, n, m, off, pos, &exact_best);
  int64_t near_ties = 0, differ = 0, differ_without_tie = 0;
  for (int64_t q = 0; q < n; ++q) {
    double th = ref[q * m + exact_best[q]];
    bool tie = false;
    for (int64_t c = 0; c < m && !tie; ++c) tie = c != exact_best[q] && std::fabs(ref[q * m + c] - th) <= 2 * max_err;
    near_ties += tie;
    if (want[q] != exact[q]) ++differ, differ_without_tie += !tie;
  }
  CHECK(differ_without_tie == 0, "%s: %lld ranks differ from the exact ones without a near tie", label,
        (long long)differ_without_tie);
  std::printf("  %-34s ranks vs fp64: %lld of %lld queries differ, %lld have a near tie (within %.1e)\n", label,
              (long long)differ, (long long)n, (long long)near_ties, 2 * max_err);

  if (m >= n) {
    auto owner = text_owners(n, m);
    int64_t* downer = to_device(owner);
    int64_t* dir = poisoned<int64_t>(n);
    int64_t* dtr = poisoned<int64_t>(m);
    CHECK(cm_cuda_rank_bidirectional_dev(da, n, db, m, dim, dtype, downer, normalize, dir, dtr, vs) == CM_OK,
          "%s: %s", label, cm_cuda_last_error());
    std::vector<int64_t> ioff(1, 0), ipos, text_want;
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t t = 0; t < m; ++t)
        if (owner[t] == i) ipos.push_back(t);
      ioff.push_back(static_cast<int64_t>(ipos.size()));
    }
    CHECK(to_host(dir, n) == ranks_from(s, n, m, ioff, ipos, nullptr), "%s: image ranks differ", label);
    text_ranks_from(s, n, m, owner, text_want);
    CHECK(to_host(dtr, m) == text_want, "%s: text ranks differ", label);
    cudaFree(downer), cudaFree(dir), cudaFree(dtr);
  }

  for (int64_t k : {int64_t(1), int64_t(10), int64_t(1024)}) {
    if (k > m) continue;
    float* dscores = poisoned<float>(n * k);
    int64_t* dindices = poisoned<int64_t>(n * k);
    CHECK(cm_cuda_topk_dev(da, n, db, m, dim, dtype, k, normalize, dscores, dindices, vs) == CM_OK, "%s: %s", label,
          cm_cuda_last_error());
    std::vector<float> ws;
    std::vector<int64_t> wi;
    topk_from(s, n, m, k, ws, wi);
    auto gs = to_host(dscores, n * k);
    CHECK(to_host(dindices, n * k) == wi && std::memcmp(gs.data(), ws.data(), sizeof(float) * n * k) == 0,
          "%s: top-%lld differs from its own scores", label, (long long)k);
    cudaFree(dscores), cudaFree(dindices);
  }
  cudaFree(da), cudaFree(db), cudaFree(dout), cudaFree(doff), cudaFree(dpos), cudaFree(dranks), cudaFree(dbest);
}

// Data errors that only the device sees come back as error codes naming the row or entry.
void check_device_errors(cudaStream_t stream) {
  const int64_t n = 5, m = 9, dim = 20;
  auto a = random_rows(n, dim), b = random_rows(m, dim);
  std::fill(b.begin() + 4 * dim, b.begin() + 5 * dim, 0.0f);  // candidate 4 is a zero row
  float* da = to_device(a);
  float* db = to_device(b);
  float* dout = poisoned<float>(n * m);
  CHECK(cm_cuda_similarity_dev(da, n, db, m, dim, CM_CUDA_F32, 1, 1.0f, 0, dout, stream) == CM_ERR_ARGUMENT &&
            contains(cm_cuda_last_error(), "candidates: zero or non-finite norm in row 4"), "zero row: %s",
        cm_cuda_last_error());
  CHECK(cm_cuda_similarity_dev(da, n, db, m, dim, CM_CUDA_F32, 0, 1.0f, 0, dout, stream) == CM_OK,
        "zero row without normalisation: %s", cm_cuda_last_error());
  std::vector<int64_t> off = {0, 1, 2, 3, 4, 5}, pos = {0, 1, 2, 9, 3};
  int64_t* doff = to_device(off);
  int64_t* dpos = to_device(pos);
  int64_t* dranks = poisoned<int64_t>(n);
  CHECK(cm_cuda_rank_dev(da, n, db, m, dim, CM_CUDA_F32, doff, dpos, 0, dranks, nullptr, stream) == CM_ERR_ARGUMENT &&
            contains(cm_cuda_last_error(), "positive outside"), "bad positive: %s", cm_cuda_last_error());
  std::vector<int64_t> owner = {0, 1, 2, 3, 0, 1, 2, 3, 1};  // image 4 has no text
  int64_t* downer = to_device(owner);
  int64_t* dtr = poisoned<int64_t>(m);
  CHECK(cm_cuda_rank_bidirectional_dev(da, n, db, m, dim, CM_CUDA_F32, downer, 0, dranks, dtr, stream) ==
                CM_ERR_ARGUMENT && contains(cm_cuda_last_error(), "no text for image 4"),
        "image without text: %s", cm_cuda_last_error());
  cudaFree(da), cudaFree(db), cudaFree(dout), cudaFree(doff), cudaFree(dpos), cudaFree(dranks), cudaFree(downer),
      cudaFree(dtr);
}

}  // namespace

int main(int argc, char** argv) {
  bool require_gpu = false, quick = false;
  unsigned long long seed = 20261129;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--require-gpu") == 0) require_gpu = true;
    else if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    else if (std::strcmp(argv[i], "--seed") == 0 && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 10);
  }
  rng.seed(seed);
  check_keys();
  check_arguments();
  std::printf("host-only checks: %d of %d failed\n", failures, checks);

  int devices = 0;
  cm_cuda_device_count(&devices);
  if (devices == 0) {
    std::printf("no CUDA device (%s): GPU checks %s\n", cm_cuda_last_error(), require_gpu ? "FAILED" : "skipped");
    return failures == 0 && !require_gpu ? 0 : 1;
  }
  char name[256];
  cm_cuda_device_name(name, sizeof name);
  std::printf("device: %s (seed %llu)\n", name, seed);

  const Shape shapes[] = {{1, 1, 1},     {1, 300, 7},   {37, 1, 16},    {37, 301, 33},   {64, 129, 512},
                          {130, 257, 100}, {5, 5000, 24}, {200, 9000, 64}, {257, 4099, 768}};
  for (const Shape& sh : shapes)
    for (int normalize : {0, 1})
      if (!quick || sh.n * sh.m <= 40000) check_fp32(sh, normalize);
  std::printf("fp32 vs CPU: %d failed so far\n", failures);

  cudaStream_t stream;
  CUDA_OK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  const Shape reduced[] = {{1, 1, 1}, {3, 200, 7}, {37, 301, 33}, {130, 1500, 512}, {300, 5000, 96}};
  for (int engine : {CM_CUDA_ENGINE_MMA, CM_CUDA_ENGINE_WGMMA}) {
    if (cm_cuda_set_tensor_engine(engine) != CM_OK) {
      std::printf("tensor engine %d not available here: %s\n", engine, cm_cuda_last_error());
      continue;
    }
    std::printf("tensor engine: %s\n", engine == CM_CUDA_ENGINE_MMA ? "mma.sync" : "wgmma");
    for (int dtype : {CM_CUDA_BF16, CM_CUDA_F16})
      for (const Shape& sh : reduced)
        for (int normalize : {0, 1})
          if (!quick || sh.n * sh.m <= 40000) check_reduced(sh, dtype, normalize, stream);
    std::printf("%s: %d failed so far\n", engine == CM_CUDA_ENGINE_MMA ? "mma.sync" : "wgmma", failures);
  }
  cm_cuda_set_tensor_engine(CM_CUDA_ENGINE_MMA);
  check_device_errors(stream);
  CUDA_OK(cudaStreamDestroy(stream));
  std::printf("clipmatch_cuda_tests: %d of %d checks failed\n", failures, checks);
  return failures == 0 ? 0 : 1;
}
