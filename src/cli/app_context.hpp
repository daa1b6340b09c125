// SPDX-License-Identifier: MIT
// What every command shares: global flags, and the catalog and store, opened on first use.
#pragma once

#include "providers/catalog.hpp"
#include "store/store.hpp"

#include <memory>
#include <optional>
#include <string>

namespace oauthlink::cli {

struct GlobalOptions {
  std::string home;
  std::string catalog;
  bool verbose = false;
  bool quiet = false;
  long http_timeout = 30; // seconds for each provider call (--http-timeout)
  std::string ca_file;    // --ca-file, else $SSL_CERT_FILE, else the system's CA bundle
};

class AppContext {
public:
  GlobalOptions options;
  // What main returns after a command that succeeded (`exec` passes its child's status).
  int exit_status = 0;

  // The shipped catalog, overlaid by $XDG_CONFIG_HOME/oauthlink/providers.toml if present.
  const providers::Catalog& catalog();
  // The provider entry for slug; throws UsageError naming the slug when unknown.
  const providers::Provider& provider(const std::string& slug);
  store::Store& store();
  // Where the catalog was read from (for messages).
  const std::string& catalog_source();

private:
  std::optional<providers::Catalog> m_catalog;
  std::string m_catalog_source;
  std::optional<store::Store> m_store;
};

// Reads a secret from a file or stdin: one value, a trailing newline removed. Throws
// UsageError when empty.
// Reads `in` to its end; throws UsageError past `limit` bytes (checked as it reads, so an
// endless stream cannot exhaust memory) and Interrupted on Ctrl-C between reads.
std::string read_bounded(std::istream& in, size_t limit, const std::string& what);
std::string read_secret_stream(std::istream& in, const std::string& what);

} // namespace oauthlink::cli
