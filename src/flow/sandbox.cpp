// SPDX-License-Identifier: MIT
#include "flow/sandbox.hpp"

#include "error.hpp"
#include "flow/html.hpp"
#include "flow/pkce.hpp"
#include "flow/server_support.hpp"
#include "flow/url.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace oauthlink::flow {

namespace {

using json = nlohmann::json;

constexpr size_t k_max_body = size_t{64} * 1024;
constexpr int64_t k_pending_ttl = 600;  // consent page lifetime, seconds
constexpr size_t k_max_entries = 10000; // per table; bounds memory under a flood
constexpr size_t k_code_length = 32;
constexpr size_t k_request_id_length = 32;
constexpr size_t k_token_length = 40;
constexpr std::string_view k_default_scope = "openid";
constexpr std::string_view k_supported_scopes[] = {"openid", "profile", "email", "offline_access"};

struct Pending {
  std::string client_id;
  std::string redirect_uri;
  std::string scope;
  std::optional<std::string> state;
  std::string challenge;
  int64_t expires_at = 0;
};

struct Code {
  std::string client_id;
  std::string redirect_uri;
  std::string challenge;
  std::string scope;
  int64_t expires_at = 0;
  bool used = false;
  uint64_t grant = 0; // ties the tokens issued for this code together
};

struct AccessToken {
  std::string client_id;
  std::string scope;
  uint64_t grant = 0;
  int64_t expires_at = 0;
};

struct RefreshToken {
  std::string client_id;
  std::string scope;
  uint64_t grant = 0;
};

std::vector<std::string> split_scope(std::string_view scope) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= scope.size()) {
    size_t space = scope.find(' ', pos);
    if (space == std::string_view::npos)
      space = scope.size();
    if (space > pos)
      out.emplace_back(scope.substr(pos, space - pos));
    pos = space + 1;
  }
  return out;
}

// Supported scopes, deduplicated, in request order; nullopt if one is unknown. An absent
// scope gets the default (RFC 6749 §3.3).
std::optional<std::string> normalize_scope(std::string_view requested) {
  std::vector<std::string> granted;
  for (auto& item : split_scope(requested)) {
    if (std::find(std::begin(k_supported_scopes), std::end(k_supported_scopes), item)
        == std::end(k_supported_scopes))
      return std::nullopt;
    if (std::find(granted.begin(), granted.end(), item) == granted.end())
      granted.push_back(item);
  }
  if (granted.empty())
    return std::string(k_default_scope);
  std::string out;
  for (auto& item : granted)
    out += (out.empty() ? "" : " ") + item;
  return out;
}

bool is_subset_scope(const std::vector<std::string>& requested,
                     const std::vector<std::string>& granted) {
  return std::all_of(requested.begin(), requested.end(), [&](const std::string& item) {
    return std::find(granted.begin(), granted.end(), item) != granted.end();
  });
}

ServerReply invalid_client() {
  auto reply = oauth_error("invalid_client", "client authentication failed", 401);
  reply.headers.emplace_back("WWW-Authenticate", "Basic realm=\"sandbox\"");
  return reply;
}

} // namespace

struct Sandbox::State {
  SandboxOptions options;
  std::function<std::string(size_t)> random;
  std::function<int64_t()> now;
  std::mutex mutex;
  std::unordered_map<std::string, Pending> pending;
  std::unordered_map<std::string, Code> codes;
  std::unordered_map<std::string, AccessToken> access_tokens;
  std::unordered_map<std::string, RefreshToken> refresh_tokens;
  uint64_t next_grant = 1;

  const SandboxClient* find_client(std::string_view id) const {
    for (const auto& client : options.clients)
      if (client.client_id == id)
        return &client;
    return nullptr;
  }

  // A fresh random key that `taken` does not know yet.
  template <typename Taken> std::string fresh(size_t length, Taken taken) {
    for (int attempt = 0; attempt < 4; ++attempt) {
      auto key = random(length);
      if (key.size() == length && !taken(key))
        return key;
    }
    throw Error("sandbox: the random source repeats itself");
  }

  std::string fresh_token(std::string_view also_taken = {}) {
    return fresh(k_token_length, [&](const std::string& key) {
      return key == also_taken || access_tokens.contains(key) || refresh_tokens.contains(key);
    });
  }

  // Used codes stay while tokens issued for them live, so a late replay still revokes.
  void sweep(int64_t t) {
    std::erase_if(pending, [t](const auto& entry) { return t > entry.second.expires_at; });
    std::erase_if(access_tokens, [t](const auto& entry) { return t > entry.second.expires_at; });
    std::unordered_set<uint64_t> live;
    for (const auto& [key, token] : access_tokens)
      live.insert(token.grant);
    for (const auto& [key, token] : refresh_tokens)
      live.insert(token.grant);
    std::erase_if(codes, [&](const auto& entry) {
      const Code& code = entry.second;
      return t > code.expires_at && (!code.used || !live.contains(code.grant));
    });
  }

  void revoke_grant(uint64_t grant) {
    std::erase_if(access_tokens,
                  [grant](const auto& entry) { return entry.second.grant == grant; });
    std::erase_if(refresh_tokens,
                  [grant](const auto& entry) { return entry.second.grant == grant; });
  }

  ServerReply route(const ServerRequest& request) {
    if (request.body.size() > k_max_body)
      return html_page(413, "Request too large", "The request body exceeds 64 KiB.");
    int64_t t = now();
    sweep(t);
    const std::string& path = request.path;
    const std::string& method = request.method;
    if (path == "/.well-known/oauth-authorization-server"
        || path == "/.well-known/openid-configuration")
      return method == "GET" ? metadata() : method_not_allowed("GET");
    if (path == "/authorize")
      return method == "GET" ? authorize(request, t) : method_not_allowed("GET");
    if (path == "/authorize/decision")
      return method == "POST" ? decide(request, t) : method_not_allowed("POST");
    if (path == "/token")
      return method == "POST" ? token(request, t) : method_not_allowed("POST");
    if (path == "/userinfo") // OpenID Connect Core §5.3.1 allows both
      return method == "GET" || method == "POST" ? userinfo(request, t)
                                                 : method_not_allowed("GET, POST");
    if (path == "/revoke")
      return method == "POST" ? revoke(request) : method_not_allowed("POST");
    if (path == "/")
      return method == "GET" ? home() : method_not_allowed("GET");
    return html_page(404, "Not found", "The sandbox has no such endpoint.");
  }

  ServerReply metadata() const {
    const std::string& issuer = options.issuer;
    return json_reply(200,
                      {
                          {"issuer", issuer},
                          {"authorization_endpoint", issuer + "/authorize"},
                          {"token_endpoint", issuer + "/token"},
                          {"userinfo_endpoint", issuer + "/userinfo"},
                          {"revocation_endpoint", issuer + "/revoke"},
                          {"response_types_supported", {"code"}},
                          {"grant_types_supported", {"authorization_code", "refresh_token"}},
                          {"code_challenge_methods_supported", {"S256"}},
                          {"token_endpoint_auth_methods_supported",
                           {"client_secret_basic", "client_secret_post", "none"}},
                          {"revocation_endpoint_auth_methods_supported",
                           {"client_secret_basic", "client_secret_post", "none"}},
                          {"scopes_supported", {"openid", "profile", "email", "offline_access"}},
                          {"authorization_response_iss_parameter_supported", true},
                      });
  }

  ServerReply home() const {
    std::string issuer = html_escape(options.issuer);
    std::string body = "<p>This is the <code>oauthlink sandbox</code>: a local OAuth 2.0 "
                       "authorization server for trying oauthlink and for CI smoke tests. "
                       "It knows one user and issues tokens that are only valid here.</p>\n<ul>";
    for (const char* endpoint : {"/.well-known/oauth-authorization-server", "/authorize", "/token",
                                 "/userinfo", "/revoke"})
      body += "<li><code>" + issuer + endpoint + "</code></li>";
    body += "</ul>";
    return html_page_raw(200, "oauthlink sandbox", body);
  }

  // RFC 6749 §4.1.2.1: once client and redirect URI are known good, errors go back there.
  ServerReply error_redirect(const std::string& redirect_uri,
                             const std::optional<std::string>& state, std::string_view error,
                             std::string_view description) const {
    Params params{{"error", std::string(error)}, {"error_description", std::string(description)}};
    if (state)
      params.emplace_back("state", *state);
    params.emplace_back("iss", options.issuer);
    return redirect_to(append_query(redirect_uri, params));
  }

  ServerReply issue_code(const std::string& client_id, const std::string& redirect_uri,
                         const std::string& challenge, const std::string& scope,
                         const std::optional<std::string>& state, int64_t t) {
    if (codes.size() >= k_max_entries)
      return html_page(503, "Busy", "Too many outstanding authorization codes; retry later.");
    auto key = fresh(k_code_length, [&](const std::string& k) { return codes.contains(k); });
    codes[key] =
        Code{client_id, redirect_uri, challenge, scope, t + options.code_ttl, false, next_grant++};
    Params params{{"code", key}};
    if (state)
      params.emplace_back("state", *state);
    params.emplace_back("iss", options.issuer);
    return redirect_to(append_query(redirect_uri, params));
  }

  ServerReply authorize(const ServerRequest& request, int64_t t) {
    auto query = parse_form(request.query);
    if (!query)
      return html_page(400, "Bad request", "The authorization request has a malformed query.");
    if (has_duplicate(*query, {"client_id", "redirect_uri"}))
      return html_page(400, "Bad request", "client_id or redirect_uri is repeated.");
    auto client_id = find_param(*query, "client_id");
    const SandboxClient* client = client_id ? find_client(*client_id) : nullptr;
    if (!client)
      return html_page(400, "Unknown client", "The sandbox does not know this client_id.");
    auto redirect_uri = find_param(*query, "redirect_uri");
    auto redirect_url = redirect_uri ? acceptable_redirect(*redirect_uri) : std::nullopt;
    if (!redirect_url)
      return html_page(400, "Bad redirect_uri",
                       "redirect_uri must be an https URL or an http loopback URL "
                       "(127.0.0.1, [::1] or localhost) without a fragment.");

    auto state = find_param(*query, "state");
    auto fail = [&](std::string_view error, std::string_view description) {
      return error_redirect(*redirect_uri, state, error, description);
    };
    if (has_duplicate(
            *query, {"response_type", "scope", "state", "code_challenge", "code_challenge_method"}))
      return fail("invalid_request", "a parameter is repeated");
    auto response_type = find_param(*query, "response_type");
    if (!response_type)
      return fail("invalid_request", "response_type is missing");
    if (*response_type != "code")
      return fail("unsupported_response_type", "only response_type=code is supported");
    auto challenge = find_param(*query, "code_challenge");
    if (!challenge)
      return fail("invalid_request", "PKCE is required: code_challenge is missing");
    if (find_param(*query, "code_challenge_method").value_or("") != "S256")
      return fail("invalid_request", "code_challenge_method must be S256");
    if (!is_valid_challenge(*challenge))
      return fail("invalid_request", "code_challenge is not a BASE64URL SHA-256 digest");
    auto scope = normalize_scope(find_param(*query, "scope").value_or(""));
    if (!scope)
      return fail("invalid_scope", "supported scopes are openid profile email offline_access");

    if (options.auto_approve)
      return issue_code(client->client_id, *redirect_uri, *challenge, *scope, state, t);
    if (pending.size() >= k_max_entries)
      return html_page(503, "Busy", "Too many pending authorization requests; retry later.");
    auto id = fresh(k_request_id_length, [&](const std::string& k) { return pending.contains(k); });
    pending[id] =
        Pending{client->client_id, *redirect_uri, *scope, state, *challenge, t + k_pending_ttl};
    return consent_page(id, pending[id], *redirect_url);
  }

  ServerReply consent_page(const std::string& id, const Pending& request, const Url& redirect) {
    std::string body = "<p>The application <code>" + html_escape(request.client_id)
                       + "</code> asks to access your sandbox account with the scopes:</p><ul>";
    for (auto& item : split_scope(request.scope))
      body += "<li><code>" + html_escape(item) + "</code></li>";
    body += "</ul><p>Your browser will then return to <code>" + html_escape(request.redirect_uri)
            + "</code>.</p>\n<form method=\"post\" action=\"/authorize/decision\">"
              "<input type=\"hidden\" name=\"request\" value=\""
            + html_escape(id)
            + "\">"
              "<button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button> "
              "<button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button></form>";
    auto reply = html_page_raw(200, "Authorize " + request.client_id, body);
    // Browsers apply form-action to the redirect that follows the POST, so the client's origin
    // must be allowed too. IPv6 literals are not valid CSP host sources: allow the scheme.
    std::string origin = redirect.host.find(':') != std::string::npos
                             ? redirect.scheme + ":"
                             : redirect.scheme + "://" + authority(redirect);
    for (auto& [name, value] : reply.headers)
      if (name == "Content-Security-Policy")
        value = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' " + origin
                + "; frame-ancestors 'none'";
    return reply;
  }

  ServerReply decide(const ServerRequest& request, int64_t t) {
    auto form = parse_form(request.body);
    if (!form || has_duplicate(*form, {"request", "decision"}))
      return html_page(400, "Bad request", "The decision form is malformed.");
    auto id = find_param(*form, "request");
    auto it = id ? pending.find(*id) : pending.end();
    if (it == pending.end() || t > it->second.expires_at)
      return html_page(400, "Unknown request",
                       "This authorization request is unknown, expired or already answered.");
    auto decision = find_param(*form, "decision");
    if (decision != "approve" && decision != "deny")
      return html_page(400, "Bad request", "decision must be approve or deny.");
    Pending req = std::move(it->second);
    pending.erase(it);
    if (*decision == "deny")
      return error_redirect(req.redirect_uri, req.state, "access_denied", "The user denied access");
    return issue_code(req.client_id, req.redirect_uri, req.challenge, req.scope, req.state, t);
  }

  // RFC 6749 §2.3: exactly the method registered for the client, never two at once.
  const SandboxClient* authenticate(const ServerRequest& request, const Params& form) const {
    std::optional<std::pair<std::string, std::string>> basic;
    if (auto header = find_header(request.headers, "Authorization")) {
      basic = parse_basic(*header);
      if (!basic)
        return nullptr;
    }
    auto body_id = find_param(form, "client_id");
    auto body_secret = find_param(form, "client_secret");
    if (basic && (body_secret || (body_id && *body_id != basic->first)))
      return nullptr;
    const SandboxClient* client = find_client(basic ? basic->first : body_id.value_or(""));
    if (!client)
      return nullptr;
    bool ok = false;
    if (client->auth_method == "client_secret_basic")
      ok = basic && constant_time_equal(basic->second, client->client_secret);
    else if (client->auth_method == "client_secret_post")
      ok = !basic && body_secret && constant_time_equal(*body_secret, client->client_secret);
    else
      ok = !basic && !body_secret;
    return ok ? client : nullptr;
  }

  std::optional<Params> read_form(const ServerRequest& request) const {
    auto type = find_header(request.headers, "Content-Type");
    if (type && !iequals_prefix(*type, "application/x-www-form-urlencoded"))
      return std::nullopt;
    auto form = parse_form(request.body);
    if (!form
        || has_duplicate(*form,
                         {"grant_type", "code", "redirect_uri", "code_verifier", "refresh_token",
                          "scope", "client_id", "client_secret", "token", "token_type_hint"}))
      return std::nullopt;
    return form;
  }

  ServerReply token(const ServerRequest& request, int64_t t) {
    auto form = read_form(request);
    if (!form)
      return oauth_error("invalid_request", "the body must be a form without repeated parameters");
    const SandboxClient* client = authenticate(request, *form);
    if (!client)
      return invalid_client();
    auto grant_type = find_param(*form, "grant_type");
    if (!grant_type)
      return oauth_error("invalid_request", "grant_type is missing");
    if (*grant_type == "authorization_code")
      return exchange_code(*client, *form, t);
    if (*grant_type == "refresh_token")
      return refresh(*client, *form, t);
    return oauth_error("unsupported_grant_type", "supported: authorization_code, refresh_token");
  }

  // `grant` describes the new refresh token; the access token may carry a narrower scope.
  ServerReply issue_tokens(const RefreshToken& grant, const std::string& token_scope, int64_t t) {
    auto access = fresh_token();
    auto refresh_token = fresh_token(access);
    access_tokens[access] =
        AccessToken{grant.client_id, token_scope, grant.grant, t + options.access_token_ttl};
    refresh_tokens[refresh_token] = grant;
    return json_reply(200, {{"access_token", access},
                            {"token_type", "Bearer"},
                            {"expires_in", options.access_token_ttl},
                            {"refresh_token", refresh_token},
                            {"scope", token_scope}});
  }

  ServerReply exchange_code(const SandboxClient& client, const Params& form, int64_t t) {
    auto code = find_param(form, "code");
    auto redirect_uri = find_param(form, "redirect_uri");
    auto verifier = find_param(form, "code_verifier");
    if (!code || !redirect_uri || !verifier)
      return oauth_error("invalid_request", "code, redirect_uri and code_verifier are required");
    auto it = codes.find(*code);
    if (it == codes.end() || t > it->second.expires_at)
      return oauth_error("invalid_grant", "the authorization code is invalid or expired");
    Code& entry = it->second;
    if (entry.used) { // RFC 6749 §4.1.2: deny, and revoke what the code yielded
      revoke_grant(entry.grant);
      return oauth_error("invalid_grant", "the authorization code was already used");
    }
    // Another client's attempt does not burn the code (SECURITY.md C8).
    if (entry.client_id != client.client_id)
      return oauth_error("invalid_grant", "the authorization code was issued to another client");
    entry.used = true;
    if (*redirect_uri != entry.redirect_uri)
      return oauth_error("invalid_grant", "redirect_uri does not match the authorization request");
    if (!is_valid_verifier(*verifier)
        || !constant_time_equal(pkce_challenge_s256(*verifier), entry.challenge))
      return oauth_error("invalid_grant", "code_verifier does not match the code_challenge");
    return issue_tokens(RefreshToken{client.client_id, entry.scope, entry.grant}, entry.scope, t);
  }

  // Rotation on every use (RFC 9700 §4.14.2). A rotated token is simply unknown afterwards;
  // the family is not revoked, so a client that lost a refresh race can still use the
  // token its sibling process stored (SECURITY.md E7).
  ServerReply refresh(const SandboxClient& client, const Params& form, int64_t t) {
    auto presented = find_param(form, "refresh_token");
    if (!presented)
      return oauth_error("invalid_request", "refresh_token is missing");
    auto it = refresh_tokens.find(*presented);
    if (it == refresh_tokens.end() || it->second.client_id != client.client_id)
      return oauth_error("invalid_grant", "the refresh token is invalid, revoked or rotated");
    RefreshToken old = it->second;
    std::string scope = old.scope;
    auto requested = split_scope(find_param(form, "scope").value_or(""));
    if (!is_subset_scope(requested, split_scope(old.scope))) // RFC 6749 §6: never widen
      return oauth_error("invalid_scope", "the requested scope exceeds the granted scope");
    if (!requested.empty())
      scope = normalize_scope(find_param(form, "scope").value_or("")).value_or(old.scope);
    auto reply = issue_tokens(old, scope, t);
    refresh_tokens.erase(*presented);
    return reply;
  }

  ServerReply userinfo(const ServerRequest& request, int64_t t) const {
    auto header = find_header(request.headers, "Authorization");
    auto presented = header ? auth_credentials(*header, "Bearer") : std::nullopt;
    auto it = presented ? access_tokens.find(std::string(*presented)) : access_tokens.end();
    if (it == access_tokens.end() || t > it->second.expires_at) {
      auto reply = oauth_error("invalid_token", "the access token is invalid or expired", 401);
      reply.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      return reply;
    }
    return json_reply(200, {{"sub", "sandbox-user"},
                            {"name", "Sandbox User"},
                            {"email", "user@sandbox.invalid"},
                            {"email_verified", true}});
  }

  // RFC 7009 §2.2: 200 for unknown tokens; a refresh token takes its access tokens along.
  ServerReply revoke(const ServerRequest& request) {
    auto form = read_form(request);
    if (!form)
      return oauth_error("invalid_request", "the body must be a form without repeated parameters");
    const SandboxClient* client = authenticate(request, *form);
    if (!client)
      return invalid_client();
    auto presented = find_param(*form, "token");
    if (!presented)
      return oauth_error("invalid_request", "token is missing");
    if (auto it = access_tokens.find(*presented); it != access_tokens.end()) {
      if (it->second.client_id != client->client_id)
        return oauth_error("unauthorized_client", "the token was issued to another client");
      access_tokens.erase(it);
    } else if (auto rt = refresh_tokens.find(*presented); rt != refresh_tokens.end()) {
      if (rt->second.client_id != client->client_id)
        return oauth_error("unauthorized_client", "the token was issued to another client");
      revoke_grant(rt->second.grant);
    }
    ServerReply reply;
    reply.content_type = "text/plain; charset=utf-8";
    reply.headers = {{"Cache-Control", "no-store"}, {"Pragma", "no-cache"}};
    return reply;
  }
};

Sandbox::Sandbox(SandboxOptions options, std::function<std::string(size_t)> random,
                 std::function<int64_t()> now)
    : m_state(std::make_unique<State>()) {
  while (!options.issuer.empty() && options.issuer.back() == '/')
    options.issuer.pop_back();
  if (!parse_url(options.issuer))
    throw UsageError("sandbox: issuer must be an http(s) URL");
  if (!random || !now)
    throw UsageError("sandbox: random and clock functions are required");
  if (options.access_token_ttl <= 0 || options.code_ttl <= 0)
    throw UsageError("sandbox: lifetimes must be positive");
  for (size_t i = 0; i < options.clients.size(); ++i) {
    const auto& client = options.clients[i];
    std::string where = "sandbox: client '" + client.client_id + "': ";
    if (client.client_id.empty())
      throw UsageError("sandbox: a client has an empty client_id");
    for (size_t j = 0; j < i; ++j)
      if (options.clients[j].client_id == client.client_id)
        throw UsageError(where + "defined twice");
    bool is_public = client.auth_method == "none";
    if (!is_public && client.auth_method != "client_secret_basic"
        && client.auth_method != "client_secret_post")
      throw UsageError(where + "unknown auth_method");
    if (is_public != client.client_secret.empty())
      throw UsageError(
          where
          + (is_public ? "a public client has no secret" : "a confidential client needs a secret"));
  }
  m_state->options = std::move(options);
  m_state->random = std::move(random);
  m_state->now = std::move(now);
}

Sandbox::~Sandbox() = default;

const SandboxOptions& Sandbox::options() const {
  return m_state->options;
}

ServerReply Sandbox::handle(const ServerRequest& request) {
  try {
    std::lock_guard lock(m_state->mutex);
    return m_state->route(request);
  } catch (...) {
    // Generic on purpose: nothing from the request or the state reaches the message.
    try {
      if (request.path == "/token" || request.path == "/revoke")
        return oauth_error("server_error", "internal error", 500);
      return html_page(500, "Internal error", "The sandbox could not handle this request.");
    } catch (...) {
      ServerReply reply;
      reply.status = 500;
      return reply;
    }
  }
}

} // namespace oauthlink::flow
