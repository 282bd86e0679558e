// The one instruction-set choice that every CPU kernel family (scores, linear layers) dispatches on.
#include <cstdlib>
#include <string>

#include "common.h"

namespace clipmatch {
namespace cpu {
namespace {

Isa detect() {
  const char* forced = std::getenv("CLIPMATCH_CPU_ISA");  // for tests and benchmarks of each variant
  std::string want = forced ? forced : "";
  __builtin_cpu_init();
  bool avx512 = __builtin_cpu_supports("avx512f");
  bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (want == "portable") return Isa::kPortable;
  if (want == "avx2" && avx2) return Isa::kAvx2;
  if ((want.empty() || want == "avx512") && avx512) return Isa::kAvx512;
  if (avx2) return Isa::kAvx2;
  return Isa::kPortable;
}

}  // namespace

Isa chosen_isa() {
  static const Isa chosen = detect();
  return chosen;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return "avx512";
    case Isa::kAvx2: return "avx2";
    default: return "portable";
  }
}

}  // namespace cpu
}  // namespace clipmatch
