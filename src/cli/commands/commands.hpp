// SPDX-License-Identifier: MIT
// One registration function per command group; each adds its subcommands to the CLI11 app
// and runs them through the shared AppContext.
#pragma once

#include "cli/app_context.hpp"
#include "flow/credential.hpp"
#include "flow/interfaces.hpp"
#include "net/curl_http_client.hpp"
#include "providers/discovery.hpp"

#include <CLI/CLI.hpp>

#include <optional>

namespace oauthlink::cli {

void register_providers(CLI::App& root, AppContext& ctx);
void register_apps(CLI::App& root, AppContext& ctx);
void register_redirects(CLI::App& root, AppContext& ctx);
void register_connect(CLI::App& root, AppContext& ctx);
void register_credentials(CLI::App& root, AppContext& ctx);
void register_sandbox(CLI::App& root, AppContext& ctx);
void register_token(CLI::App& root, AppContext& ctx);
void register_doctor(CLI::App& root, AppContext& ctx);
void register_status(CLI::App& root, AppContext& ctx);
void register_exec(CLI::App& root, AppContext& ctx);
void register_api(CLI::App& root, AppContext& ctx);
void register_serve(CLI::App& root, AppContext& ctx);

// An app with its effective dialect: catalog entry + overrides + templates + discovery.
struct ResolvedApp {
  flow::App app;
  providers::Provider provider;
  std::optional<providers::Metadata> metadata;
};
// Throws Error for an unknown app id, NetworkError/CatalogError for failed discovery.
ResolvedApp resolve_app(AppContext& ctx, flow::HttpClient& http, const std::string& app_id,
                        const providers::StringMap& settings);

// libcurl options from the global flags (--verbose logs requests, redacted).
net::CurlOptions curl_options(const AppContext& ctx);

// A token for the app itself (client credentials grant), as a credential without id.
flow::Credential mint_client_credentials(flow::HttpClient& http, const ResolvedApp& resolved,
                                         const std::vector<std::string>& requested, int64_t now);

enum class RefreshMode { when_needed, always };
// The stored credential, refreshed first when needed (or always): one write transaction,
// so concurrent processes refresh once. Throws LoginRequired when no refresh is possible.
flow::Credential refresh_if_needed(AppContext& ctx, const std::string& id,
                                   std::optional<int64_t> min_ttl, RefreshMode mode);

// `credentials revoke|verify|import`, added to the credentials group.
void register_credential_lifecycle(CLI::App& group, AppContext& ctx);
// Records {status, at, reason} as metadata[field] of the credential ("health",
// "last_refresh"); a store that cannot be written only gets a warning.
void record_credential_result(AppContext& ctx, const std::string& id, const std::string& field,
                              bool ok, const std::string& reason);

// Parses KEY=VALUE pairs of --set; throws UsageError on a malformed one.
providers::StringMap parse_settings(const std::vector<std::string>& pairs);

} // namespace oauthlink::cli
