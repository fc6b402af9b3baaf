# libcfbench.cmake — the libcfbench targets (included by the top
# CMakeLists.txt after the in-tree libraries exist; see the comment there).
#   cfbench_shared  libcfbench.so.X.Y.Z / .so.X (SONAME) / .so
#   cfbench_static  libcfbench.a
# Installed by cmake/install.cmake with cfbench.pc and the CMake package
# cfbench (cfbench::cfbench = the shared library).
set(CFB_LIB_CORE_OBJS $<TARGET_OBJECTS:cfutures_shared>)
if(CFB_HAVE_MPI)
  set_target_properties(cfutures_mpi PROPERTIES POSITION_INDEPENDENT_CODE ON)
  list(APPEND CFB_LIB_CORE_OBJS $<TARGET_OBJECTS:cfutures_mpi>)
endif()
add_library(cfbench_shared SHARED ${CFB_LIB_OBJS} ${CFB_LIB_CORE_OBJS})
target_include_directories(cfbench_shared PUBLIC
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/core/include>
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/workloads/include>
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/workloads>
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/runners>
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/results>
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/results/include>
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/runners/include>
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/plots>
  $<INSTALL_INTERFACE:include>)
target_link_libraries(cfbench_shared PRIVATE PkgConfig::JANSSON PkgConfig::CURL PkgConfig::MHD
  Threads::Threads m ${CMAKE_DL_LIBS})
if(CFB_HAVE_MPI)
  target_link_libraries(cfbench_shared PRIVATE MPI::MPI_C)
  target_compile_definitions(cfbench_shared PUBLIC $<BUILD_INTERFACE:CFB_HAVE_MPI=1>)
endif()
target_link_options(cfbench_shared PRIVATE
  -Wl,--version-script=${CMAKE_SOURCE_DIR}/cmake/cfbench.map -Wl,-Bsymbolic-functions)
if(NOT CFB_SANITIZE)
  target_link_options(cfbench_shared PRIVATE -Wl,--no-undefined)
endif()
set_target_properties(cfbench_shared PROPERTIES OUTPUT_NAME cfbench EXPORT_NAME cfbench
  VERSION ${PROJECT_VERSION} SOVERSION ${CFBENCH_SOVERSION}
  LINK_DEPENDS ${CMAKE_SOURCE_DIR}/cmake/cfbench.map)

add_library(cfbench_static STATIC ${CFB_LIB_OBJS})
set_target_properties(cfbench_static PROPERTIES OUTPUT_NAME cfbench EXPORT_NAME cfbench_static)
# What a static link needs besides libcfbench.a (cfbench-config.cmake finds cfutures).
target_link_libraries(cfbench_static INTERFACE "$<BUILD_INTERFACE:cfutures>"
  "$<INSTALL_INTERFACE:cfutures::cfutures_static>" jansson curl microhttpd ${CMAKE_DL_LIBS} m)
if(CFB_HAVE_MPI)
  target_link_libraries(cfbench_static INTERFACE "$<BUILD_INTERFACE:cfutures_mpi>"
    "$<INSTALL_INTERFACE:cfutures::mpi>")
endif()
target_include_directories(cfbench_static INTERFACE $<INSTALL_INTERFACE:include>)
