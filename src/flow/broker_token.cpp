// SPDX-License-Identifier: MIT
// POST /link/oauth2/token: the app trades the broker's one-time code for the credential
// (RFC 6749 §4.1.3, §5; SECURITY.md C6-C8).
#include "flow/broker.hpp"
#include "flow/pkce.hpp"
#include "flow/server_support.hpp"

namespace oauthlink::flow {

using nlohmann::json;

namespace {

struct TokenInput {
  std::string grant_type, code, client_id, client_secret, redirect_uri, code_verifier;
};

// JSON or form body; nullopt with `why` set when it cannot be read.
std::optional<TokenInput> read_token_input(const ServerRequest& request, std::string& why) {
  TokenInput in;
  auto type = find_header(request.headers, "Content-Type").value_or("");
  bool is_json = type.rfind("application/json", 0) == 0
                 || (type.empty() && !request.body.empty() && request.body[0] == '{');
  const std::pair<const char*, std::string*> fields[] = {
      {"grant_type", &in.grant_type},     {"code", &in.code},
      {"client_id", &in.client_id},       {"client_secret", &in.client_secret},
      {"redirect_uri", &in.redirect_uri}, {"code_verifier", &in.code_verifier}};
  if (is_json) {
    json body = json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      why = "the body is not a JSON object";
      return std::nullopt;
    }
    for (auto [name, out] : fields) {
      if (!body.contains(name))
        continue;
      if (!body[name].is_string()) {
        why = std::string(name) + " must be a string";
        return std::nullopt;
      }
      *out = body[name].get<std::string>();
    }
  } else {
    auto form = parse_form(request.body);
    if (!form) {
      why = "the form body is malformed";
      return std::nullopt;
    }
    for (auto [name, out] : fields) {
      int count = 0;
      for (const auto& [key, value] : *form)
        if (key == name && ++count == 1)
          *out = value;
      if (count > 1) { // RFC 6749 §3.2: no parameter twice
        why = std::string(name) + " is repeated";
        return std::nullopt;
      }
    }
  }
  if (auto header = find_header(request.headers, "Authorization")) {
    // RFC 7617 credentials, form-encoded inside (RFC 6749 §2.3.1); at most 4 KiB of them.
    auto basic = header->size() <= 6 + 4096 ? parse_basic(*header) : std::nullopt;
    if (!basic || !in.client_secret.empty()) { // one authentication method only (§2.3)
      why = basic ? "the client authenticated twice (Basic and body)" : "malformed Basic header";
      return std::nullopt;
    }
    if (!in.client_id.empty() && in.client_id != basic->first) {
      why = "client_id differs from the Basic user name";
      return std::nullopt;
    }
    in.client_id = basic->first;
    in.client_secret = basic->second;
  }
  return in;
}

ServerReply invalid_client(const std::string& description) {
  ServerReply reply = oauth_error("invalid_client", description, 401);
  reply.headers.emplace_back("WWW-Authenticate", "Basic realm=\"oauthlink\"");
  return reply;
}

ServerReply invalid_grant(const std::string& description) {
  return oauth_error("invalid_grant", description);
}

} // namespace

ServerReply Broker::token(const ServerRequest& request) {
  if (request.method != "POST")
    return oauth_error("invalid_request", "use POST", 405);
  std::string why;
  auto in = read_token_input(request, why);
  if (!in)
    return oauth_error("invalid_request", why);
  if (!in->grant_type.empty() && in->grant_type != "authorization_code")
    return oauth_error("unsupported_grant_type", "only authorization_code");
  if (in->code.empty())
    return oauth_error("invalid_request", "code is missing");
  if (in->client_id.empty())
    return invalid_client("client_id is missing (the broker's app id)");

  std::string key = secret_hash(in->code);
  auto code = m_backend.find_code(key);
  auto app = m_backend.find_app(in->client_id);
  if (!app)
    return invalid_client("unknown client_id");

  // C7: the app's provider client secret, compared in constant time (as hashes, so the
  // time does not even depend on the secret's length).
  bool authenticated =
      app->client_secret.empty()
          ? in->client_secret.empty()
          : constant_time_equal(secret_hash(in->client_secret), secret_hash(app->client_secret));
  if (!authenticated) {
    // C8: a failed authentication does not burn the code, up to a cap.
    if (code && !code->used && code->app_id == app->id
        && m_backend.add_code_failure(key) >= m_options.max_auth_failures)
      m_backend.consume_code(key, m_now());
    return invalid_client("client authentication failed");
  }

  if (!code || code->app_id != app->id)
    return invalid_grant("unknown code");
  if (code->used) {
    if (code->failures >= m_options.max_auth_failures)
      return invalid_grant("the code was given up after too many failed client authentications");
    // C6 / RFC 6749 §4.1.2: a replayed code revokes what was issued for it.
    m_backend.delete_credential(code->credential_id);
    return invalid_grant("the code was already used; the credential issued for it is revoked");
  }
  if (code->expires_at < m_now())
    return invalid_grant("the code has expired");
  if (!in->redirect_uri.empty() && in->redirect_uri != code->redirect_uri)
    return invalid_grant("redirect_uri differs from the authorization request");

  // PKCE (RFC 7636 §4.6); a verifier for a flow without a challenge is a downgrade
  // attempt (RFC 9700 §4.8).
  bool pkce_ok = code->code_challenge.empty()
                     ? in->code_verifier.empty()
                     : is_valid_verifier(in->code_verifier)
                           && constant_time_equal(pkce_challenge_s256(in->code_verifier),
                                                  code->code_challenge);
  if (!pkce_ok) {
    m_backend.consume_code(key, m_now());
    return invalid_grant(code->code_challenge.empty() ? "code_verifier without code_challenge"
                                                      : "code_verifier does not match");
  }
  // Read before consuming: a concurrent replay that loses the race revokes the credential
  // (above), and the winner must still get the answer it won.
  auto credential = m_backend.find_credential(code->credential_id);
  if (!credential)
    return invalid_grant("the credential of this code was deleted");
  if (!m_backend.consume_code(key, m_now()))
    return invalid_grant("the code was already used");
  return json_reply(200, {{"credential", credential_json(*credential)},
                          {"state", code->app_state ? json(*code->app_state) : json(nullptr)}});
}

} // namespace oauthlink::flow
