# TunegridTorch.cmake — libtorch, the CUDA runtime and NCCL from the torch wheel that
# cluster/setup.sh installs into .venv/ (versions pinned in cluster/libtorch-requirements.txt).
#
# Imported targets are made here from TUNEGRID_TORCH_DIR instead of calling the wheel's
# find_package(Torch): that one resolves libtorch.so / libc10.so through the system library
# path first (Debian's libtorch-dev 1.13 when it is installed) and links the CUDA toolkit's
# older NCCL. Every library below is named by its full path inside the wheel, so
# the linker records it and CMake's build-tree RPATH finds it at run time, without
# LD_LIBRARY_PATH. CUDA headers come from the wheel too (never /usr/local/cuda), so that the
# versions compiled against are the versions loaded.
#
# Defines:
#   tunegrid::torch     libtorch (headers, libtorch_cpu, libtorch_cuda when present, c10)
#   tunegrid::cuda      CUDA runtime and NCCL of the wheel (only when TUNEGRID_WITH_NCCL)
#   TUNEGRID_TORCH_VERSION, TUNEGRID_TORCH_LIB_DIR, TUNEGRID_NCCL_LIB_DIR
#   TUNEGRID_TORCH_PRECOMPILED_HEADERS  the libtorch headers worker files include most: each
#                       torch-linked target precompiles them once (a library's precompiled
#                       header cannot serve executables: -fPIC against -fPIE)

set(TUNEGRID_TORCH_DIR "" CACHE PATH "The torch package folder of the wheel (…/site-packages/torch); cluster/setup.sh sets it")
if(NOT TUNEGRID_TORCH_DIR)
  file(GLOB _tunegrid_venv_torch "${PROJECT_SOURCE_DIR}/.venv/lib/python3*/site-packages/torch")
  if(_tunegrid_venv_torch)
    list(GET _tunegrid_venv_torch 0 _tunegrid_first)
    set(TUNEGRID_TORCH_DIR "${_tunegrid_first}" CACHE PATH "" FORCE)
  endif()
endif()
if(NOT EXISTS "${TUNEGRID_TORCH_DIR}/lib/libtorch_cpu.so" OR NOT EXISTS "${TUNEGRID_TORCH_DIR}/include/torch/headeronly/version.h")
  message(FATAL_ERROR "libtorch not found: TUNEGRID_TORCH_DIR='${TUNEGRID_TORCH_DIR}' holds no lib/libtorch_cpu.so and "
                      "include/torch/headeronly/version.h. Run `bash cluster/setup.sh` (it installs the pinned torch wheel into "
                      ".venv/ and configures with -DTUNEGRID_TORCH_DIR=.venv/lib/python3.X/site-packages/torch).")
endif()

# The version the headers declare must be the pinned one: a stale cache or a hand-made venv
# must not build against something else silently.
file(STRINGS "${TUNEGRID_TORCH_DIR}/include/torch/headeronly/version.h" _tunegrid_version_lines REGEX "#define TORCH_VERSION_(MAJOR|MINOR|PATCH) ")
foreach(_part MAJOR MINOR PATCH)
  string(REGEX MATCH "TORCH_VERSION_${_part} ([0-9]+)" _match "${_tunegrid_version_lines}")
  set(_tunegrid_${_part} ${CMAKE_MATCH_1})
endforeach()
set(TUNEGRID_TORCH_VERSION "${_tunegrid_MAJOR}.${_tunegrid_MINOR}.${_tunegrid_PATCH}")
file(STRINGS "${PROJECT_SOURCE_DIR}/cluster/libtorch-requirements.txt" _tunegrid_pin REGEX "^torch==")
string(REGEX REPLACE "^torch==" "" _tunegrid_pinned "${_tunegrid_pin}")
if(NOT TUNEGRID_TORCH_VERSION VERSION_EQUAL _tunegrid_pinned)
  message(FATAL_ERROR "${TUNEGRID_TORCH_DIR} holds libtorch ${TUNEGRID_TORCH_VERSION}, but "
                      "cluster/libtorch-requirements.txt pins torch==${_tunegrid_pinned}; run `bash cluster/setup.sh` "
                      "to install the pinned one (or change the pin file)")
endif()
set(TUNEGRID_TORCH_LIB_DIR "${TUNEGRID_TORCH_DIR}/lib")
get_filename_component(_tunegrid_site "${TUNEGRID_TORCH_DIR}" DIRECTORY)
set(_tunegrid_nvidia "${_tunegrid_site}/nvidia")

# One imported shared library per file: CMake then puts each one's folder on the build-tree
# RPATH of what links it.
function(tunegrid_imported_library name file)
  if(NOT EXISTS "${file}")
    message(FATAL_ERROR "${file} is missing: the torch wheel and the NVIDIA wheels of "
                        "cluster/libtorch-requirements.txt must be installed together (bash cluster/setup.sh)")
  endif()
  add_library(${name} SHARED IMPORTED)
  set_target_properties(${name} PROPERTIES IMPORTED_LOCATION "${file}")
endfunction()

tunegrid_imported_library(tunegrid::torch_cpu "${TUNEGRID_TORCH_LIB_DIR}/libtorch_cpu.so")
tunegrid_imported_library(tunegrid::c10 "${TUNEGRID_TORCH_LIB_DIR}/libc10.so")
# The wheel's include folder also holds the fmt 12 headers libtorch was built with; searched
# before the system's, they would replace Debian's fmt (whose library tunegrid links) in every
# file that sees libtorch's headers. Compile against a view of that folder without them (the
# libtorch headers tunegrid includes do not use fmt).
set(_tunegrid_include_view "${CMAKE_BINARY_DIR}/torch-include")
file(REMOVE_RECURSE "${_tunegrid_include_view}")
file(MAKE_DIRECTORY "${_tunegrid_include_view}")
file(GLOB _tunegrid_include_entries RELATIVE "${TUNEGRID_TORCH_DIR}/include" "${TUNEGRID_TORCH_DIR}/include/*")
foreach(_entry ${_tunegrid_include_entries})
  if(NOT _entry STREQUAL "fmt")
    file(CREATE_LINK "${TUNEGRID_TORCH_DIR}/include/${_entry}" "${_tunegrid_include_view}/${_entry}" SYMBOLIC)
  endif()
endforeach()
add_library(tunegrid::torch INTERFACE IMPORTED)
set_target_properties(tunegrid::torch PROPERTIES
  INTERFACE_INCLUDE_DIRECTORIES "${_tunegrid_include_view};${_tunegrid_include_view}/torch/csrc/api/include")
set(_tunegrid_torch_libraries tunegrid::torch_cpu tunegrid::c10)
set(TUNEGRID_TORCH_HAS_CUDA OFF)
if(EXISTS "${TUNEGRID_TORCH_LIB_DIR}/libtorch_cuda.so")
  set(TUNEGRID_TORCH_HAS_CUDA ON)
  tunegrid_imported_library(tunegrid::torch_cuda "${TUNEGRID_TORCH_LIB_DIR}/libtorch_cuda.so")
  tunegrid_imported_library(tunegrid::c10_cuda "${TUNEGRID_TORCH_LIB_DIR}/libc10_cuda.so")
  # libtorch_cuda registers the CUDA kernels when it is loaded: keep it although no symbol of
  # it is referenced (as the wheel's own CMake files do).
  list(APPEND _tunegrid_torch_libraries "-Wl,--no-as-needed" tunegrid::torch_cuda tunegrid::c10_cuda "-Wl,--as-needed")
endif()
set_property(TARGET tunegrid::torch PROPERTY INTERFACE_LINK_LIBRARIES "${_tunegrid_torch_libraries}")

# GPU paths (CUDA device handling, the NCCL backend): compiled when the wheel is a CUDA build;
# never entered at run time when no GPU is present.
set(_tunegrid_nccl_found OFF)
if(TUNEGRID_TORCH_HAS_CUDA AND EXISTS "${_tunegrid_nvidia}/nccl/include/nccl.h"
   AND EXISTS "${_tunegrid_nvidia}/cu13/include/cuda_runtime_api.h")
  set(_tunegrid_nccl_found ON)
endif()
option(TUNEGRID_WITH_NCCL "Compile the GPU paths (CUDA device handling, NCCL backend)" ${_tunegrid_nccl_found})
if(TUNEGRID_WITH_NCCL AND NOT _tunegrid_nccl_found)
  message(FATAL_ERROR "TUNEGRID_WITH_NCCL=ON but ${TUNEGRID_TORCH_DIR} is not a CUDA build of torch with the "
                      "nvidia-nccl and nvidia-cuda-runtime wheels beside it (${_tunegrid_nvidia})")
endif()
if(TUNEGRID_WITH_NCCL)
  set(TUNEGRID_NCCL_LIB_DIR "${_tunegrid_nvidia}/nccl/lib")
  tunegrid_imported_library(tunegrid::cudart "${_tunegrid_nvidia}/cu13/lib/libcudart.so.13")
  tunegrid_imported_library(tunegrid::nccl "${TUNEGRID_NCCL_LIB_DIR}/libnccl.so.2")
  add_library(tunegrid::cuda INTERFACE IMPORTED)
  set_target_properties(tunegrid::cuda PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${_tunegrid_nvidia}/nccl/include;${_tunegrid_nvidia}/cu13/include"
    INTERFACE_COMPILE_DEFINITIONS "TUNEGRID_WITH_NCCL=1"
    INTERFACE_LINK_LIBRARIES "tunegrid::cudart;tunegrid::nccl")
endif()
set(TUNEGRID_TORCH_PRECOMPILED_HEADERS
  <ATen/ATen.h>
  <torch/nn/module.h>
  <torch/nn/modules/container/modulelist.h>
  <torch/nn/modules/conv.h>
  <torch/nn/modules/linear.h>
  <torch/nn/modules/normalization.h>
  <torch/optim/adamw.h>
)
message(STATUS "tunegrid: libtorch ${TUNEGRID_TORCH_VERSION} from ${TUNEGRID_TORCH_DIR}; TUNEGRID_WITH_NCCL=${TUNEGRID_WITH_NCCL}")
