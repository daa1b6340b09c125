# SPDX-License-Identifier: MIT
# oauthlink_options: warnings, sanitizers and clang-tidy for every first-party target.
option(OAUTHLINK_WERROR "Treat warnings as errors" OFF)
option(OAUTHLINK_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(OAUTHLINK_CLANG_TIDY "Run clang-tidy while compiling" OFF)

add_library(oauthlink_options INTERFACE)
target_compile_options(oauthlink_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Woverloaded-virtual -Wnull-dereference)
if(OAUTHLINK_WERROR)
  target_compile_options(oauthlink_options INTERFACE -Werror)
endif()
if(OAUTHLINK_SANITIZE)
  target_compile_options(oauthlink_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(oauthlink_options INTERFACE -fsanitize=address,undefined)
endif()
target_compile_definitions(oauthlink_options INTERFACE $<$<CONFIG:Debug>:_GLIBCXX_ASSERTIONS>)
if(OAUTHLINK_CLANG_TIDY)
  find_program(CLANG_TIDY_EXE NAMES clang-tidy REQUIRED)
  set(CMAKE_CXX_CLANG_TIDY ${CLANG_TIDY_EXE})
endif()
