// SPDX-License-Identifier: MIT
// A guard for JSON from the network: nlohmann's parser is iterative, but copying, dumping
// and destroying a value recurse, so a deeply nested document could exhaust the stack.
// Pure, header-only.
#pragma once

#include <cstddef>
#include <string_view>

namespace oauthlink::providers {

// Far deeper than any provider answer or metadata document needs.
inline constexpr size_t k_max_json_depth = 64;

// True when no array or object in text nests deeper than max_depth (strings skipped).
inline bool json_nesting_within(std::string_view text, size_t max_depth = k_max_json_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth)
        return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

} // namespace oauthlink::providers
