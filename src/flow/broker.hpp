// SPDX-License-Identifier: MIT
// The broker (`oauthlink serve`): the hosted wrappers' /link/oauth2 routes and the /v1
// management API as request -> reply functions (SECURITY.md B3, C1-C11). Pure: the store,
// the catalog and the provider calls come in through BrokerBackend; time and randomness
// are inputs.
#pragma once

#include "flow/credential.hpp"
#include "flow/http.hpp"
#include "flow/server_support.hpp"
#include "flow/url.hpp"
#include "providers/provider.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace oauthlink::flow {

// One user between the app's /authorize and the provider's callback. Keyed by the hash of
// the broker's own state with the provider; the app's state is kept here, never sent on.
struct PendingFlow {
  std::string state_hash;
  std::string app_id;
  std::string provider; // slug: the callback must arrive on its path (A6)
  std::string redirect_uri;
  std::optional<std::string> app_state; // raw bytes, echoed back exactly (C4)
  std::string code_challenge;           // the app's PKCE S256 challenge, "" if none
  std::string code_verifier;            // the broker's own, with the provider
  std::vector<std::string> scopes;
  int64_t expires_at = 0;
};

// A one-time code the broker gave an app (C6). Only its hash is stored.
struct BrokerCode {
  std::string code_hash;
  std::string app_id;
  std::string redirect_uri;
  std::optional<std::string> app_state;
  std::string code_challenge;
  std::string credential_id;
  int64_t expires_at = 0;
  int failures = 0;  // failed client authentications (C8)
  bool used = false; // consumed, or burnt after too many failures
};

// A start-auth link (POST /v1/credentials/start-auth): one use, five minutes.
struct StartLink {
  std::string token_hash;
  std::string app_id;
  std::string redirect_uri;
  std::optional<std::string> app_state;
  int64_t expires_at = 0;
};

struct ResolvedProvider {
  providers::Provider provider; // templates filled, overrides and discovery applied
  bool iss_required = false;    // metadata advertises authorization_response_iss_parameter
};

// What the broker needs from the world. Implementations may throw Error subclasses; the
// broker turns them into error replies.
class BrokerBackend {
public:
  virtual ~BrokerBackend() = default;
  virtual std::optional<App> find_app(const std::string& id) = 0;
  virtual std::vector<App> list_apps() = 0;
  virtual App add_app(App app) = 0; // assigns the id
  virtual bool has_provider(const std::string& slug) = 0;
  virtual std::vector<std::string> redirects() = 0;
  virtual ResolvedProvider resolve(const App& app) = 0;
  virtual HttpResponse send(const HttpRequest& request) = 0; // to a provider

  virtual void save_flow(const PendingFlow& flow) = 0;
  virtual std::optional<PendingFlow> find_flow(const std::string& state_hash) = 0;
  // Deletes the flow; true only for the one caller that deleted it.
  virtual bool take_flow(const std::string& state_hash) = 0;

  virtual void save_code(const BrokerCode& code) = 0;
  virtual std::optional<BrokerCode> find_code(const std::string& code_hash) = 0;
  // Counts a failed client authentication; returns the count after it.
  virtual int add_code_failure(const std::string& code_hash) = 0;
  // Marks the code used if it is unused and not expired at `now`, atomically: of two
  // concurrent callers exactly one gets true.
  virtual bool consume_code(const std::string& code_hash, int64_t now) = 0;

  virtual void save_link(const StartLink& link) = 0;
  // Marks the link used and returns it; nullopt when unknown or already used.
  virtual std::optional<StartLink> take_link(const std::string& token_hash) = 0;

  // Stores a new credential (id assigned) or, when credential.id is set, upserts it.
  virtual Credential save_credential(Credential credential) = 0;
  virtual std::optional<Credential> find_credential(const std::string& id) = 0;
  virtual std::vector<Credential> list_credentials() = 0;
  virtual bool delete_credential(const std::string& id) = 0;
};

struct BrokerOptions {
  std::string issuer;                     // "http://127.0.0.1:8911": iss and metadata (C10)
  std::vector<std::string> allowed_hosts; // Host header values (B3)
  std::string api_key;                    // Bearer key of /v1
  int64_t flow_ttl = 600;                 // seconds a user has at the provider
  int64_t code_ttl = 60;                  // broker code lifetime (C6: <= 60 s)
  int64_t link_ttl = 300;                 // start-auth link lifetime
  int max_auth_failures = 3;              // then the code is burnt (C8)
};

class Broker {
public:
  using Random = std::function<std::string(size_t)>; // n chars of [A-Za-z0-9-_]
  using Clock = std::function<int64_t()>;            // Unix seconds

  Broker(BrokerOptions options, BrokerBackend& backend, Random random, Clock now);

  // Every route: Host check first, then /link/oauth2/*, the metadata and /v1/*. Never
  // throws: failures become error replies.
  ServerReply handle(const ServerRequest& request);

  ServerReply authorize(const ServerRequest& request);
  ServerReply callback(const ServerRequest& request, const std::string& slug);
  ServerReply start_link(const std::string& token);
  ServerReply token(const ServerRequest& request);
  ServerReply metadata() const;
  ServerReply api(const ServerRequest& request);

  // The redirect URI to register at each provider: ISSUER/link/oauth2/callback/SLUG.
  std::string provider_redirect_uri(const std::string& slug) const;

private:
  struct AuthorizeInput {
    std::string client_id;
    std::string redirect_uri;
    std::optional<std::string> state;
    std::string scopes;
    std::string code_challenge;
    std::string code_challenge_method;
    std::string response_type;
  };
  // Faults of the request (unknown app, unregistered redirect, ...); empty when valid.
  std::vector<std::string> check_authorize(const AuthorizeInput& input, const App* app,
                                           std::vector<std::string>& compared);
  ServerReply begin_flow(const App& app, const AuthorizeInput& input);
  ServerReply api_start_auth(const ServerRequest& request);
  ServerReply api_credentials(const ServerRequest& request, const std::string& id);
  ServerReply api_apps(const ServerRequest& request);

  BrokerOptions m_options;
  BrokerBackend& m_backend;
  Random m_random;
  Clock m_now;
};

// base64url(SHA-256(secret)): how codes, states and links are keyed in the store.
std::string secret_hash(const std::string& secret);

// The request as one log line: method, path, query with every value but a few harmless
// ones replaced by its length, and the status. No secret reaches it (E2).
std::string broker_log_line(const ServerRequest& request, int status);

} // namespace oauthlink::flow
