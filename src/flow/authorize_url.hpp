// SPDX-License-Identifier: MIT
// Resolving an app's effective dialect (catalog + overrides + templates + discovery) and
// building the authorization request URL (RFC 6749 §4.1.1, RFC 7636 §4.3). Pure.
#pragma once

#include "flow/credential.hpp"
#include "providers/discovery.hpp"
#include "providers/provider.hpp"

#include <string>
#include <vector>

namespace oauthlink::flow {

// The provider entry with the app's environment and overrides applied, {placeholders} filled from
// the app's settings plus `extra` (connect --set), and for discovery providers the endpoints of
// `metadata`; the settings then join template_defaults for the templates filled later
// (post-authorization URLs). Throws UsageError for an unknown environment or a missing
// template value, Error for a URL that
// is not https (or http to loopback) once filled.
providers::Provider resolve_provider(const providers::Provider& entry, const App& app,
                                     const providers::StringMap& extra,
                                     const providers::Metadata* metadata);

// Scopes to request: `requested` if non-empty, else the app's, else the provider's
// defaults; the provider's offline scopes are added when it supports refresh.
std::vector<std::string> effective_scopes(const providers::Provider& provider, const App& app,
                                          const std::vector<std::string>& requested);

std::string join_scopes(const std::vector<std::string>& scopes, const std::string& separator);
// Joined as a form value: the provider's separator, a "+" one being a form-encoded space.
std::string join_scopes_for(const providers::Provider& provider,
                            const std::vector<std::string>& scopes);
std::vector<std::string> split_scopes(const std::string& text);

struct AuthorizeRequest {
  std::string redirect_uri;
  std::string state;
  std::string code_verifier; // "" when the provider forbids PKCE
  std::vector<std::string> scopes;
};

// The URL to open in the browser. Keeps any query already on the endpoint (RFC 6749 §3.1).
std::string build_authorize_url(const providers::Provider& provider, const App& app,
                                const AuthorizeRequest& request);

// Throws Error unless url is https, or http to a loopback host (SECURITY.md A13).
void require_secure_url(const std::string& url, const std::string& what);

} // namespace oauthlink::flow
