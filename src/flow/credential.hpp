// SPDX-License-Identifier: MIT
// The values the flow works on: a registered app, a token set, a stored credential, and
// the JSON shapes they are printed in (DESIGN.md "The credential"). Pure.
#pragma once

#include "providers/provider.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace oauthlink::flow {

// An OAuth app the user registered at a provider, as kept in the store.
struct App {
  std::string id;       // app_…
  std::string provider; // catalog slug
  std::string name;
  std::string client_id;
  std::string client_secret; // empty for public clients
  std::vector<std::string> scopes;
  providers::StringMap settings; // --set values for URL templates
  std::string issuer;            // oidc: the issuer to discover
  std::string authorization_url; // overrides, "" = catalog
  std::string token_url;
  std::string auth_method; // override, "" = catalog (or derived for oidc)
  std::string environment; // catalog environment (e.g. "sandbox"), "" = the entry itself
  int64_t created_at = 0;
};

// What a token endpoint granted.
struct TokenSet {
  std::string access_token;
  std::string token_type = "Bearer";
  std::string refresh_token;
  std::optional<int64_t> expires_at; // Unix seconds; nullopt = unknown / never
  std::string scope;
  std::string id_token;
  nlohmann::json extra = nlohmann::json::object(); // kept provider metadata
  std::vector<std::string> warnings;
};

// An OAuth error answer (RFC 6749 §5.2 / §4.1.2.1).
struct OAuthError {
  std::string error;
  std::string description;
  std::string uri;
  int http_status = 0;
  std::string message() const; // "error: description"
};

struct Credential {
  std::string id; // cred_…
  std::string app_id;
  std::string provider;
  TokenSet tokens;
  nlohmann::json metadata = nlohmann::json::object();
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// RFC 3339 UTC, e.g. 2026-12-03T14:00:00Z.
std::string format_time(int64_t unix_seconds);

// {"id","oauth_app_id","provider","properties":{kind,access_token,…},"metadata",…}
nlohmann::json credential_json(const Credential& credential);
// Same with token values masked, for listings.
nlohmann::json credential_summary_json(const Credential& credential, int64_t now);

// Redacts a secret for logs: "abcd…(len=812)".
std::string redact(const std::string& secret);

// text with every occurrence of each non-empty secret replaced by "[redacted]": for
// provider messages that may echo what was sent (a code, a verifier, a secret).
std::string scrub_secrets(std::string text, const std::vector<std::string>& secrets);

} // namespace oauthlink::flow
