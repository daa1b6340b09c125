// SPDX-License-Identifier: MIT
// The main job: authorize in the browser, receive the callback, exchange the code, store.
// Orchestrates through flow/interfaces.hpp; time, randomness and interruption are inputs.
#pragma once

#include "flow/callback.hpp"
#include "flow/credential.hpp"
#include "flow/interfaces.hpp"
#include "providers/provider.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace oauthlink::flow {

struct ConnectPlan {
  providers::Provider provider; // resolved: templates filled, overrides applied
  App app;
  std::string redirect_uri;   // sent in both the authorize and the token request
  CallbackExpectation expect; // path, hosts, state, issuer
  std::string code_verifier;  // "" when the provider forbids PKCE
  std::vector<std::string> scopes;
  int64_t timeout_seconds = 300;
  bool open_browser = true;
};

struct ConnectPorts {
  HttpClient& http;
  CallbackServer& server;
  Browser& browser;
  Progress& progress;
  std::function<int64_t()> now;      // Unix seconds
  std::function<bool()> interrupted; // true once the user pressed Ctrl-C
  // Persists the credential and returns it with its id; runs before anything is printed.
  std::function<Credential(const TokenSet&, const Params& kept)> store;
};

// Runs the whole cycle. Throws ProviderError (denied, token error), TimeoutError,
// Interrupted, NetworkError or StoreError; nothing is stored unless it returns.
Credential connect(const ConnectPlan& plan, ConnectPorts& ports);

} // namespace oauthlink::flow
