// SPDX-License-Identifier: MIT
// Redirect URIs: validating registered templates, substituting ':provider', matching a
// requested URI against the registered list (SECURITY.md C1, C2), and choosing the
// loopback address that connect listens on (RFC 8252 §7.3). Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace oauthlink::flow {

// nullopt when the template is acceptable; else what is wrong with it.
std::optional<std::string> check_redirect_template(const std::string& uri);

// Replaces ':provider' with the slug; the slug must match [a-z0-9-]{1,32}.
std::string substitute_provider(const std::string& uri_template, const std::string& slug);

// Exact string match after substitution; only the port of an http loopback URI
// (127.0.0.1 or [::1]) may differ when the registered one names no port.
bool redirect_matches(const std::string& registered_template, const std::string& slug,
                      const std::string& requested);

// Where connect listens and what it sends as redirect_uri.
struct LoopbackPlan {
  std::string bind_host;                 // "127.0.0.1" or "::1"
  int port = 0;                          // 0 = ephemeral
  std::string path;                      // "/callback/github"
  std::string host_for_uri;              // "127.0.0.1", "[::1]" or "localhost"
  std::string query;                     // kept from the registered URI
  std::string uri(int bound_port) const; // the redirect_uri to send
  std::vector<std::string> allowed_hosts(int bound_port) const; // Host header values
};

// From --redirect-uri, else the first registered loopback URI, else the default
// http://127.0.0.1:<ephemeral>/callback/<slug>. Throws UsageError when --redirect-uri is
// not a loopback http URI or not among the registered ones.
LoopbackPlan plan_loopback(const std::string& requested, const std::vector<std::string>& registered,
                           const std::string& slug, std::vector<std::string>& notes);

} // namespace oauthlink::flow
