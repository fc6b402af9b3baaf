# fuzz/options.cmake — the CFB_FUZZ option (docs/fuzzing.md), included by the
# top-level CMakeLists.txt before any target: with -DCFB_FUZZ=ON (clang only)
# every library is compiled with libFuzzer's coverage and ASan + UBSan, and
# fuzz/targets.cmake links the fuzz targets with libFuzzer.
option(CFB_FUZZ "Build the fuzz targets in fuzz/ with libFuzzer (needs clang)" OFF)
if(CFB_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "CFB_FUZZ=ON needs clang: cmake -DCMAKE_C_COMPILER=clang -DCFB_FUZZ=ON "
                        "(or make fuzz)")
  endif()
  if(NOT CFB_SANITIZE)
    set(CFB_SANITIZE "address,undefined")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
