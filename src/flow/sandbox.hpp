// SPDX-License-Identifier: MIT
// The embedded sandbox authorization server (`oauthlink sandbox`): a small, standards-
// compliant OAuth 2.0 / OpenID-style AS for newcomers and CI smoke tests. Pure request
// handling: the net adapter feeds it requests; randomness and time come in as functions.
#pragma once

#include "flow/http.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace oauthlink::flow {

struct SandboxClient {
  std::string client_id;
  std::string client_secret; // empty: public client (PKCE required)
  std::string auth_method;   // client_secret_basic | client_secret_post | none
};

struct SandboxOptions {
  std::string issuer;        // "http://127.0.0.1:PORT", no trailing slash
  bool auto_approve = false; // skip the consent page
  std::vector<SandboxClient> clients;
  int64_t access_token_ttl = 3600; // seconds
  int64_t code_ttl = 60;           // seconds
};

class Sandbox {
public:
  // random(n) returns n URL-safe random characters; now() returns Unix seconds.
  Sandbox(SandboxOptions options, std::function<std::string(size_t)> random,
          std::function<int64_t()> now);
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Handles one request; thread-safe. Never throws for bad input: answers 4xx instead.
  ServerReply handle(const ServerRequest& request);

  const SandboxOptions& options() const;

private:
  struct State;
  std::unique_ptr<State> m_state;
};

} // namespace oauthlink::flow
