# install.cmake — what `cmake --install` (and `make install`) puts where;
# included by the top CMakeLists.txt once every target exists. Layout under
# the prefix (docs/install.md; libcfbench will add lib/libcfbench.*,
# include/cfbench.h, cfbench.pc and lib/cmake/cfbench/ beside these):
#   lib/libcfutures.so.X.Y.Z, .so.X (SONAME), .so   the shared library: exports
#                                  only the public cf_* API (cfutures.map)
#   lib/libcfutures.a              the static library (the one cfbench links)
#   lib/libcfutures_mpi.a          the MPI executor, when built
#   include/cfutures.h cf_gil.h cf_loop.h (cf_mpi.h)   the public headers
#   lib/pkgconfig/cfutures.pc      relocatable (${pcfiledir})
#   lib/cmake/cfutures/            cfutures-config.cmake, -config-version.cmake,
#                                  the exported targets cfutures::cfutures
#                                  (shared), cfutures::cfutures_static, cfutures::mpi
#   lib/libcfbench.so.X.Y.Z, .so.X, .so   the engine, workloads, results and
#                                  cfutures in one library: exports cfb_[!_]* and
#                                  the public cf_* API (cfbench.map); cfbench
#                                  and the plugins it loads share it
#   lib/libcfbench.a               the same cfb objects (link libcfutures.a too)
#   include/cfbench_workload.h (+ runners/include/*.h)   the public interface
#   lib/pkgconfig/cfbench.pc       Requires.private cfutures, Libs -lcfbench
#   lib/cmake/cfbench/             cfbench::cfbench (shared), cfbench::cfbench_static
#   bin/cfbench                    RPATH $ORIGIN/../lib; finds share/cfbench/
#                                  from its own path
#   share/cfbench/plots/*.gp       the gnuplot scripts `cfbench plot` runs
#   share/man/man1/cfbench.1       generated from the command/option tables
#   share/bash-completion/completions/cfbench   likewise
# Nothing else is read at run time: the Python reference runner and the flag
# sizes are compiled in (runners/embed.cmake, workloads/flags/flag_table.c).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# --- the shared library: the same sources as the static `cfutures` --------
# Only the cf_* API is exported (version script); --no-undefined proves it
# names every library it needs. The in-tree static library stays what the
# CLI, the tests and the benchmarks link (they reach cf__ internals).
add_library(cfutures_shared SHARED ${CF_CORE_SRC})
target_include_directories(cfutures_shared PRIVATE ${CMAKE_SOURCE_DIR}/core/src)
target_include_directories(cfutures_shared PUBLIC
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/core/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_link_libraries(cfutures_shared PRIVATE Threads::Threads m)
target_link_options(cfutures_shared PRIVATE
  -Wl,--version-script=${CMAKE_SOURCE_DIR}/cmake/cfutures.map)
# (Not in sanitizer builds: clang leaves the sanitizer runtime out of shared
# libraries, to be found in the executable.)
if(NOT CFB_SANITIZE)
  target_link_options(cfutures_shared PRIVATE -Wl,--no-undefined)
endif()
# The ABI version: raise CFUTURES_SOVERSION on every incompatible change of
# the public API (a removed or changed function or struct).
set(CFUTURES_SOVERSION 0)
set_target_properties(cfutures_shared PROPERTIES OUTPUT_NAME cfutures EXPORT_NAME cfutures
  VERSION ${PROJECT_VERSION} SOVERSION ${CFUTURES_SOVERSION}
  LINK_DEPENDS ${CMAKE_SOURCE_DIR}/cmake/cfutures.map)
set_target_properties(cfutures PROPERTIES EXPORT_NAME cfutures_static)

set(CFB_PUBLIC_HEADERS ${CMAKE_SOURCE_DIR}/core/include/cfutures.h
  ${CMAKE_SOURCE_DIR}/core/include/cf_gil.h ${CMAKE_SOURCE_DIR}/core/include/cf_loop.h)
install(TARGETS cfutures_shared cfutures EXPORT cfutures-targets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${CFB_PUBLIC_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set(CFB_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/cfutures)
install(EXPORT cfutures-targets NAMESPACE cfutures:: DESTINATION ${CFB_CMAKE_DIR})
if(CFB_HAVE_MPI)
  set_target_properties(cfutures_mpi PROPERTIES EXPORT_NAME mpi)
  install(TARGETS cfutures_mpi EXPORT cfutures-mpi-targets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(FILES ${CMAKE_SOURCE_DIR}/core/include/cf_mpi.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT cfutures-mpi-targets NAMESPACE cfutures:: DESTINATION ${CFB_CMAKE_DIR})
endif()
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/cfutures-config.cmake.in
  ${CMAKE_BINARY_DIR}/generated/cfutures-config.cmake INSTALL_DESTINATION ${CFB_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/generated/cfutures-config-version.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/generated/cfutures-config.cmake
  ${CMAKE_BINARY_DIR}/generated/cfutures-config-version.cmake DESTINATION ${CFB_CMAKE_DIR})

# --- cfutures.pc: prefix from ${pcfiledir}, so a moved prefix still works --
set(CFB_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${CFB_PC_DIR}")
  set(CFB_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH CFB_PC_UP /prefix/${CFB_PC_DIR} /prefix)
  set(CFB_PC_PREFIX "\${pcfiledir}/${CFB_PC_UP}")
endif()
foreach(kind LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${kind}}")
    set(CFB_PC_${kind} "${CMAKE_INSTALL_${kind}}")
  else()
    set(CFB_PC_${kind} "\${prefix}/${CMAKE_INSTALL_${kind}}")
  endif()
endforeach()
configure_file(${CMAKE_SOURCE_DIR}/cmake/cfutures.pc.in ${CMAKE_BINARY_DIR}/generated/cfutures.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/generated/cfutures.pc DESTINATION ${CFB_PC_DIR})

# --- libcfbench (shared + static), its headers, cfbench.pc, the CMake
# package cfbench (cmake/libcfbench.cmake makes the targets) ----------------
install(TARGETS cfbench_shared cfbench_static EXPORT cfbench-targets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
# The public headers of libcfbench: the workload interface, and whatever the
# engine's public headers are (runners/include/*.h, by glob).
file(GLOB CFBENCH_PUBLIC_HEADERS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/workloads/include/*.h
  ${CMAKE_SOURCE_DIR}/runners/include/*.h ${CMAKE_SOURCE_DIR}/results/include/*.h)
install(FILES ${CFBENCH_PUBLIC_HEADERS} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
set(CFBENCH_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/cfbench)
install(EXPORT cfbench-targets NAMESPACE cfbench:: DESTINATION ${CFBENCH_CMAKE_DIR})
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/cfbench-config.cmake.in
  ${CMAKE_BINARY_DIR}/generated/cfbench-config.cmake INSTALL_DESTINATION ${CFBENCH_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/generated/cfbench-config-version.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/generated/cfbench-config.cmake
  ${CMAKE_BINARY_DIR}/generated/cfbench-config-version.cmake DESTINATION ${CFBENCH_CMAKE_DIR})
# Libs.private of a static link: what libcfbench.a needs beyond libcfutures.a
# and jansson (a public requirement: cfbench_results.h includes jansson.h)
set(CFB_PC_STATIC_LIBS "-lcurl -lmicrohttpd -ldl -lm -pthread")
if(CFB_HAVE_MPI)
  string(PREPEND CFB_PC_STATIC_LIBS "-lcfutures_mpi ")
  foreach(l ${MPI_C_LIBRARIES})
    string(APPEND CFB_PC_STATIC_LIBS " ${l}")
  endforeach()
endif()
configure_file(${CMAKE_SOURCE_DIR}/cmake/cfbench.pc.in ${CMAKE_BINARY_DIR}/generated/cfbench.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/generated/cfbench.pc DESTINATION ${CFB_PC_DIR})

# --- cfbench and what it reads at run time ---------------------------------
# It links libcfbench.so: found from its own place ($ORIGIN/../lib), so the
# prefix stays relocatable.
if(IS_ABSOLUTE "${CMAKE_INSTALL_BINDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(CFB_RPATH "${CMAKE_INSTALL_FULL_LIBDIR}")
else()
  file(RELATIVE_PATH CFB_LIB_FROM_BIN /prefix/${CMAKE_INSTALL_BINDIR} /prefix/${CMAKE_INSTALL_LIBDIR})
  set(CFB_RPATH "$ORIGIN/${CFB_LIB_FROM_BIN}")
endif()
set_target_properties(cfbench PROPERTIES INSTALL_RPATH "${CFB_RPATH}")
install(TARGETS cfbench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Where share/cfbench is seen from bin/ (relative: "../share/cfbench" by
# default), compiled into the lookup (plots/plot_datadir.c); never a source path.
set(CFB_DATADIR_INSTALL ${CMAKE_INSTALL_DATADIR}/cfbench)
if(IS_ABSOLUTE "${CMAKE_INSTALL_BINDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_DATADIR}")
  set(CFB_DATADIR_FROM_BIN "${CMAKE_INSTALL_FULL_DATADIR}/cfbench")
else()
  file(RELATIVE_PATH CFB_DATADIR_FROM_BIN /prefix/${CMAKE_INSTALL_BINDIR} /prefix/${CFB_DATADIR_INSTALL})
endif()
set_property(SOURCE ${CMAKE_SOURCE_DIR}/plots/plot_datadir.c APPEND PROPERTY
  COMPILE_DEFINITIONS CFB_DATADIR_FROM_BIN="${CFB_DATADIR_FROM_BIN}")
install(DIRECTORY ${CMAKE_SOURCE_DIR}/plots/ DESTINATION ${CFB_DATADIR_INSTALL}/plots
  FILES_MATCHING PATTERN "*.gp")
# The build tree's data directory: <build>/share/cfbench/plots links to the
# source's plots/, so cfbench run from the build directory finds its scripts
# the way an installed one does (<exe>/share/cfbench there, <exe>/../share/
# cfbench installed; plots/plot_datadir.c) — and edits to a script show at once.
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/share/cfbench)
if(NOT EXISTS ${CMAKE_BINARY_DIR}/share/cfbench/plots)
  file(CREATE_LINK ${CMAKE_SOURCE_DIR}/plots ${CMAKE_BINARY_DIR}/share/cfbench/plots
    SYMBOLIC COPY_ON_ERROR)
endif()

# --- man page and bash completion, generated from the tables ---------------
# cli/docgen/cfbench_docgen.c walks the command table (cli/commands.c),
# the option tables (cli/options.c), the modes and the workloads, so the
# two files cannot go stale; tests/install checks them against `cfbench --help`.
add_executable(cfbench_docgen ${CMAKE_SOURCE_DIR}/cli/docgen/cfbench_docgen.c)
target_link_libraries(cfbench_docgen PRIVATE cfb_cli)
set(CFB_MAN ${CMAKE_BINARY_DIR}/share/man/man1/cfbench.1)
set(CFB_COMPLETION ${CMAKE_BINARY_DIR}/share/bash-completion/completions/cfbench)
add_custom_command(OUTPUT ${CFB_MAN} ${CFB_COMPLETION}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/share/man/man1
          ${CMAKE_BINARY_DIR}/share/bash-completion/completions
  COMMAND cfbench_docgen man ${CFB_MAN}
  COMMAND cfbench_docgen bash ${CFB_COMPLETION}
  DEPENDS cfbench_docgen VERBATIM)
add_custom_target(cfbench_docs ALL DEPENDS ${CFB_MAN} ${CFB_COMPLETION})
install(FILES ${CFB_MAN} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CFB_COMPLETION} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
