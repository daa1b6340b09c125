// SPDX-License-Identifier: MIT
// Builds providers from TOML snippets, so dialect tests read like catalog entries.
#pragma once

#include "error.hpp"
#include "providers/catalog.hpp"

#include <fstream>
#include <sstream>
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

// The message of the CatalogError that parsing `text` as "cat.toml" throws, "" if none.
inline std::string catalog_error_of(const std::string& text) {
  try {
    providers::Catalog::parse(text, "cat.toml");
  } catch (const CatalogError& e) {
    return e.what();
  }
  return "";
}

// share/providers.toml as shipped.
inline std::string shipped_catalog_text() {
  std::ifstream in(std::string(OAUTHLINK_SOURCE_DIR) + "/share/providers.toml");
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

} // namespace oauthlink::test
