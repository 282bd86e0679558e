// The assertion of the standalone native test binaries: counts checks and failures, reports each failure with
// its place, and keeps going so one run lists every problem.
#ifndef CLIPMATCH_TESTS_CHECK_H
#define CLIPMATCH_TESTS_CHECK_H

#include <cstdio>

inline int failures = 0, checks = 0;

#define CHECK(cond, ...)                                        \
  do {                                                          \
    ++checks;                                                   \
    if (!(cond)) {                                              \
      ++failures;                                               \
      std::fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
      std::fprintf(stderr, __VA_ARGS__);                        \
      std::fprintf(stderr, "\n");                               \
    }                                                           \
  } while (0)

#endif
