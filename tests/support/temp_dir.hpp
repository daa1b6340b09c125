// SPDX-License-Identifier: MIT
// A fresh private directory under /tmp for a test's store.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

namespace oauthlink::test {

inline std::string temp_dir() {
  char pattern[] = "/tmp/oauthlink-test-XXXXXX";
  char* dir = mkdtemp(pattern);
  REQUIRE(dir);
  return dir;
}

} // namespace oauthlink::test
