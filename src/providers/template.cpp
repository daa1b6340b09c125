// SPDX-License-Identifier: MIT
#include "providers/template.hpp"

#include "error.hpp"

#include <algorithm>

namespace oauthlink::providers {

std::vector<std::string> template_names(std::string_view text) {
  std::vector<std::string> names;
  size_t pos = 0;
  while ((pos = text.find('{', pos)) != std::string_view::npos) {
    size_t close = text.find('}', pos);
    if (close == std::string_view::npos)
      break;
    std::string name(text.substr(pos + 1, close - pos - 1));
    if (std::find(names.begin(), names.end(), name) == names.end())
      names.push_back(name);
    pos = close + 1;
  }
  return names;
}

std::string fill_template(std::string_view text, const StringMap& values,
                          const StringMap& defaults) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t open = text.find('{', pos);
    if (open == std::string_view::npos) {
      out += text.substr(pos);
      break;
    }
    size_t close = text.find('}', open);
    if (close == std::string_view::npos) {
      out += text.substr(pos);
      break;
    }
    out += text.substr(pos, open - pos);
    std::string name(text.substr(open + 1, close - open - 1));
    auto it = values.find(name);
    const std::string* value = nullptr;
    if (it != values.end())
      value = &it->second;
    else if (auto def = defaults.find(name); def != defaults.end())
      value = &def->second;
    if (!value)
      throw UsageError("this provider needs --set " + name + "=VALUE");
    // A value that starts the URL may be a whole origin (instance_url); elsewhere it is
    // one label or path segment and must not smuggle in another host or path.
    bool whole_origin = open == 0;
    for (char c : *value) {
      bool bad = std::isspace(static_cast<unsigned char>(c)) || c == '?' || c == '#' || c == '@'
                 || (!whole_origin && (c == '/' || c == ':'));
      if (bad)
        throw UsageError("--set " + name + ": value must not contain '" + std::string(1, c) + "'");
    }
    if (value->empty())
      throw UsageError("--set " + name + ": value must not be empty");
    out += *value;
    pos = close + 1;
  }
  return out;
}

} // namespace oauthlink::providers
