// SPDX-License-Identifier: MIT
// An emulator of one catalog provider (`oauthlink sandbox --dialect SLUG`, tests/emulator):
// an authorization server that speaks the provider's dialect as its catalog entry describes
// it, strictly checks what a client sends against that dialect, and records every request.
// Pure request handling; randomness and time come in as functions.
#pragma once

#include "flow/emulator_dialect.hpp"
#include "flow/http.hpp"
#include "flow/url.hpp"
#include "providers/provider.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace oauthlink::flow {

struct EmulatorOptions {
  providers::Provider dialect; // the catalog entry being emulated
  std::string client_id;
  std::string client_secret;       // "" = a public client (no client authentication)
  bool auto_approve = true;        // false: a consent page with Approve / Deny first
  int64_t access_token_ttl = 3600; // seconds; a default_expires_in dialect uses that instead
  int64_t code_ttl = 60;
};

// One request the emulator received, and what it made of it.
struct EmulatorRecord {
  std::string endpoint; // authorize, decision, token, refresh, revoke, userinfo,
                        // post-auth, unknown
  std::string method;
  std::string path;
  Params params;           // decoded query (authorize) or body
  std::string body_format; // "form", "json" or "" (no body)
  std::string client_auth; // "basic", "body", "basic+body" or "none" (token endpoints)
  int status = 0;
  std::string problem; // "" when accepted, else why it was refused
};

// What one successful token answer issued.
struct EmulatorGrant {
  std::string grant_type; // authorization_code, refresh_token or the device_code URN
  std::string access_token;
  std::string refresh_token;         // "" when none was issued
  std::optional<int64_t> expires_at; // nullopt: the token never expires
  std::vector<std::string> scopes;
  nlohmann::json kept = nlohmann::json::object(); // values written at response.keep paths
};

class Emulator {
public:
  // random(n) returns n URL-safe random characters; now() returns Unix seconds.
  // Throws UsageError for a discovery entry (it has no endpoints of its own to emulate).
  Emulator(EmulatorOptions options, std::function<std::string(size_t)> random,
           std::function<int64_t()> now);
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  // Handles one request; thread-safe; never throws for bad input. Routes by the last
  // path segment, so endpoints may sit under any prefix (e.g. a filled "{tenant}").
  ServerReply handle(const ServerRequest& request);

  // The next token or refresh request is refused with this OAuth error, in the dialect.
  void refuse_next_token_request(const std::string& error);

  // The next post-authorization request is answered with this HTTP status (e.g. 500).
  void fail_next_post_authorization(int status);
  // What the post-authorization answers gave: kept name -> value, to compare with what
  // the client kept.
  nlohmann::json post_authorization_values() const;

  std::vector<EmulatorRecord> records() const;
  std::vector<EmulatorGrant> grants() const;
  // The values the last callback carried for the dialect's callback.keep names.
  Params callback_values() const;
  // True while the emulator would accept this access token.
  bool is_active(const std::string& access_token) const;
  // Per-endpoint counts and the problems found; no token, code or secret in it.
  nlohmann::json stats() const;

private:
  struct State;
  std::unique_ptr<State> m_state;
};

} // namespace oauthlink::flow
