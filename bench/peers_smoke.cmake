# CTest smoke run of peers_bench (test bench/peers_quick, label bench):
# `peers_bench --quick` must exit 0 and print its three ratio lines.
# Only that it runs is checked, never a timing.
#   cmake -DBIN=build/bench/peers_bench -P bench/peers_smoke.cmake
execute_process(COMMAND ${BIN} --quick RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "peers_bench --quick exited with ${rc}")
endif()
foreach(re "ratio cfutures/GThreadPool: [0-9.]+x tasks/s" "ratio cfutures/libuv: [0-9.]+x tasks/s"
    "ratio process-pool RTT / pipe RTT: [0-9.]+x"
    "rounds with the pipe floor fast [^\n]*: [0-9]+ of [0-9]+, median per-round ratio")
  if(NOT out MATCHES "${re}")
    message(FATAL_ERROR "peers_bench --quick: no line matching '${re}'")
  endif()
endforeach()
