// SPDX-License-Identifier: MIT
// Builds providers from TOML snippets, so dialect tests read like catalog entries.
#pragma once

#include "providers/catalog.hpp"

#include <string>

namespace oauthlink::test {

// One provider named "p" from the body of its table.
inline providers::Provider provider_from(const std::string& body) {
  std::string text = "[p]\nname = \"P\"\ndocs = \"https://docs.example/oauth\"\n"
                     "authorization_url = \"https://as.example/authorize\"\n"
                     "token_url = \"https://as.example/token\"\n"
                     + body;
  return *providers::Catalog::parse(text, "test.toml").find("p");
}

} // namespace oauthlink::test
