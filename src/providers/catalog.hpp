// SPDX-License-Identifier: MIT
// Loads and validates share/providers.toml. Pure: the caller reads the file and passes text.
#pragma once

#include "providers/provider.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace oauthlink::providers {

class Catalog {
public:
  // Parses TOML text. `source` names the file in messages. Throws CatalogError with
  // "<file>:<line>: provider '<slug>': <field>: <problem>".
  static Catalog parse(std::string_view text, const std::string& source);

  // The first layer (the shipped catalog) overlaid by the next ones (user catalogs): an
  // overlay entry for a known slug overrides only the fields it sets (also inside
  // `response` and `callback`); an unknown slug adds a provider. Merged as TOML before
  // validation, so each error names the file and line the offending key came from.
  struct Layer {
    std::string_view text;
    std::string source;
  };
  static Catalog parse_layers(const std::vector<Layer>& layers);

  // nullptr when unknown.
  const Provider* find(std::string_view slug) const;
  const std::map<std::string, Provider>& all() const { return m_providers; }

private:
  std::map<std::string, Provider> m_providers;
};

// Authorization parameters the flow owns; a catalog's authorize_params may not set them.
bool is_reserved_authorize_param(std::string_view name);

// True for [a-z0-9-]{1,32}.
bool is_valid_slug(std::string_view slug);

} // namespace oauthlink::providers
