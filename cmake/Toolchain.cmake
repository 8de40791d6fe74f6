# Compiler settings shared by every target: warnings, sanitizers, ccache, a fast linker.

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
  set(CMAKE_C_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()

add_library(sijill_warnings INTERFACE)
target_compile_options(sijill_warnings INTERFACE -Wall -Wextra -Wpedantic $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local>)
if(SIJILL_WERROR)
  target_compile_options(sijill_warnings INTERFACE -Werror)
endif()

if(SIJILL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# The fuzz build (tools/fuzz, build/fuzz): clang's libFuzzer with ASan + UBSan, and the
# assertions of Boost and libstdc++ kept on in the optimised build. Every library is instrumented
# for coverage; only the fuzz target links libFuzzer's main (tests/fuzz).
if(SIJILL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SIJILL_FUZZ needs clang (libFuzzer): configure with "
                        "-DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14, as tools/fuzz does")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined -UNDEBUG -D_GLIBCXX_ASSERTIONS)
  add_link_options(-fsanitize=address,undefined)
endif()

# Every part is a static library named sijill_<part>, with private sources in src/<part>
# and its public headers in include/sijill/<part>.
function(sijill_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(sijill_${name} STATIC ${ARG_SOURCES})
  target_include_directories(sijill_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(sijill_${name} PUBLIC ${ARG_DEPS} PRIVATE sijill_warnings ${ARG_PRIVATE_DEPS})
endfunction()
