# fuzz/targets.cmake — one executable per fuzz/fuzz_<target>.c, in
# <build>/fuzz/fuzz_<target> (docs/fuzzing.md).
#   CFB_FUZZ=ON: linked with libFuzzer (-fsanitize=fuzzer): run it to fuzz.
#   otherwise:   linked with fuzz/driver.c, a main() that runs the harness on
#                every file given; CTest runs fuzz/<target> over the seed
#                corpus fuzz/corpus/<target>/ in every build (plain, ASan, TSan).
# `make fuzz` builds the first kind in build-fuzz and runs each target.
file(GLOB CFB_FUZZ_SRC CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/fuzz/fuzz_*.c)
add_custom_target(fuzz_all)
foreach(src ${CFB_FUZZ_SRC})
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" target ${name})
  if(CFB_FUZZ)
    add_executable(${name} ${src})
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  else()
    add_executable(${name} ${src} ${CMAKE_SOURCE_DIR}/fuzz/driver.c)
  endif()
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR}/fuzz)
  target_link_libraries(${name} PRIVATE cfb_cli)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  add_dependencies(fuzz_all ${name})
  if(CFB_FUZZ)
    add_test(NAME fuzz/${target} COMMAND ${name} -runs=0 ${CMAKE_SOURCE_DIR}/fuzz/corpus/${target})
  else()
    add_test(NAME fuzz/${target} COMMAND ${name} ${CMAKE_SOURCE_DIR}/fuzz/corpus/${target})
  endif()
  set_tests_properties(fuzz/${target} PROPERTIES TIMEOUT 300)
endforeach()
# cli_run never runs a sweep: cfb_sweep_exec (the engine's run loop behind
# cfbench.h's cfb_run) is replaced by the harness's wrapper.
if(TARGET fuzz_cli_run)
  target_link_options(fuzz_cli_run PRIVATE -Wl,--wrap=cfb_sweep_exec)
endif()
