# Compiler settings shared by every clipmatch native target.
function(clipmatch_target_defaults target)
  target_compile_features(${target} PRIVATE cxx_std_17)
  set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF POSITION_INDEPENDENT_CODE ON)
  # -ffp-contract=off: no silent a*b+c fusion, so scores and norms follow the documented order exactly
  # (the plain-Java reference reproduces them bit for bit).
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter -ffp-contract=off -fno-fast-math>)
endfunction()

# Per-file instruction sets: the AVX2/AVX-512 variants are compiled for their ISA and picked at run time,
# so the library still loads on older CPUs.
function(clipmatch_isa_sources)
  set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/cpu/score_avx2.cpp ${CMAKE_CURRENT_SOURCE_DIR}/cpu/linear_avx2.cpp
    PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma")
  set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/cpu/score_avx512.cpp ${CMAKE_CURRENT_SOURCE_DIR}/cpu/linear_avx512.cpp
    PROPERTIES COMPILE_OPTIONS "-mavx512f;-mavx512dq;-mavx2;-mfma;-Wno-uninitialized;-Wno-maybe-uninitialized")
endfunction()
