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

  // Providers of `overlay` replace or add to those of this catalog (user catalogs).
  void merge(const Catalog& overlay);

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
