// SPDX-License-Identifier: MIT
#include "cli/app_context.hpp"

#include "error.hpp"
#include "sys/paths.hpp"
#include "sys/signals.hpp"

#include <istream>

#ifndef OAUTHLINK_DATADIR
#define OAUTHLINK_DATADIR "/usr/local/share/oauthlink"
#endif

namespace oauthlink::cli {

const providers::Catalog& AppContext::catalog() {
  if (!m_catalog) {
    m_catalog_source = sys::catalog_path(options.catalog, OAUTHLINK_DATADIR);
    std::string text;
    try {
      text = sys::read_file(m_catalog_source);
    } catch (const Error& e) {
      throw CatalogError(std::string("catalog: ") + e.what());
    }
    // A user catalog adds providers or overrides fields of shipped ones without editing
    // the shipped file. An explicit --catalog stands alone, so tests and `providers check`
    // see one file.
    std::vector<providers::Catalog::Layer> layers{{text, m_catalog_source}};
    std::string user_text;
    if (std::string dir = sys::config_dir(); options.catalog.empty() && !dir.empty()) {
      std::string user = dir + "/providers.toml";
      if (sys::file_exists(user)) {
        user_text = sys::read_file(user);
        layers.push_back({user_text, user});
      }
    }
    m_catalog = providers::Catalog::parse_layers(layers);
  }
  return *m_catalog;
}

const std::string& AppContext::catalog_source() {
  catalog();
  return m_catalog_source;
}

const providers::Provider& AppContext::provider(const std::string& slug) {
  const providers::Provider* p = catalog().find(slug);
  if (!p)
    throw UsageError("unknown provider '" + slug + "' (see 'oauthlink providers list')");
  return *p;
}

store::Store& AppContext::store() {
  if (!m_store)
    m_store = store::Store::open(sys::data_dir(options.home));
  return *m_store;
}

std::string read_bounded(std::istream& in, size_t limit, const std::string& what) {
  std::string value;
  char buffer[4096];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    value.append(buffer, static_cast<size_t>(in.gcount()));
    if (value.size() > limit)
      throw UsageError(what + ": input larger than " + std::to_string(limit / 1024) + " KiB");
    if (sys::interrupted())
      break;
  }
  // A signal ends a blocked read early (no SA_RESTART): what was read is not the input.
  if (sys::interrupted())
    throw Interrupted(what + ": interrupted");
  return value;
}

std::string read_secret_stream(std::istream& in, const std::string& what) {
  std::string value = read_bounded(in, 64 * 1024, what);
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r'))
    value.pop_back();
  if (value.empty())
    throw UsageError(what + ": no secret given");
  if (value.find('\n') != std::string::npos)
    throw UsageError(what + ": the secret must be a single line");
  return value;
}

} // namespace oauthlink::cli
