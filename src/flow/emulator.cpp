// SPDX-License-Identifier: MIT
#include "flow/emulator.hpp"

#include "error.hpp"
#include "flow/authorize_url.hpp"
#include "flow/emulator_dialect.hpp"
#include "flow/html.hpp"
#include "flow/pkce.hpp"
#include "flow/server_support.hpp"
#include "providers/template.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <unordered_map>
#include <variant>

namespace oauthlink::flow {

namespace {

using json = nlohmann::json;
using providers::AuthMethod;
using providers::BodyFormat;
using providers::Pkce;

constexpr size_t k_max_body = size_t{64} * 1024;
constexpr size_t k_max_entries = 10000;
constexpr size_t k_token_length = 40;
// Fields the token answer always owns; a keep path never overwrites them.
constexpr std::string_view k_token_fields[] = {"access_token", "refresh_token", "token_type",
                                               "expires_in", "scope"};

struct AuthRequest {
  std::string redirect_uri;
  std::string challenge; // "" when the client sent none
  std::vector<std::string> scopes;
  std::optional<std::string> state;
  int64_t expires_at = 0;
};

struct Code {
  AuthRequest request;
  bool used = false;
};

// RFC 8628: one device authorization, approved at the verification URI (or at once).
struct DeviceGrant {
  std::vector<std::string> scopes;
  std::string user_code;
  bool approved = false;
  int64_t expires_at = 0;
};

constexpr int64_t k_device_ttl = 600;
constexpr std::string_view k_device_grant = "urn:ietf:params:oauth:grant-type:device_code";

struct Token {
  std::vector<std::string> scopes;
  std::optional<int64_t> expires_at;
};

std::string last_segment(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool all_digits(const std::string& text) {
  return !text.empty() && text.size() < 6
         && text.find_first_not_of("0123456789") == std::string::npos;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t pos = 0;
  for (size_t dot; (dot = path.find('.', pos)) != std::string::npos; pos = dot + 1)
    out.push_back(path.substr(pos, dot - pos));
  out.push_back(path.substr(pos));
  return out;
}

// Writes value at a post-authorization keep path the way a provider's answer holds it: a
// number indexes an array; a name followed by another name is an array whose first
// element holds the rest (an empty second element after it), so that the client's
// first-element rule is what finds the value.
void place_at_keep_path(json& node, const std::vector<std::string>& parts, size_t i,
                        const json& value) {
  if (i == parts.size()) {
    node = value;
    return;
  }
  const std::string& part = parts[i];
  if (all_digits(part)) {
    if (!node.is_array())
      node = json::array();
    size_t index = std::stoul(part);
    while (node.size() <= index)
      node.push_back(json::object());
    return place_at_keep_path(node[index], parts, i + 1, value);
  }
  if (node.is_array()) { // a name met on an array: its first element
    if (node.empty())
      node.push_back(json::object());
    return place_at_keep_path(node[0], parts, i, value);
  }
  if (!node.is_object())
    node = json::object();
  json& next = node[part];
  if (next.is_null() && i + 1 < parts.size() && !all_digits(parts[i + 1]))
    next = json::array({json::object(), json::object()});
  place_at_keep_path(next, parts, i + 1, value);
}

bool has_grant(const providers::Provider& p, std::string_view grant) {
  return std::find(p.grant_types.begin(), p.grant_types.end(), grant) != p.grant_types.end();
}

} // namespace

struct Emulator::State {
  EmulatorOptions options;
  std::function<std::string(size_t)> random;
  std::function<int64_t()> now;
  mutable std::mutex mutex;
  std::unordered_map<std::string, AuthRequest> pending;
  std::unordered_map<std::string, Code> codes;
  std::unordered_map<std::string, Token> access_tokens;
  std::unordered_map<std::string, Token> refresh_tokens;
  std::unordered_map<std::string, DeviceGrant> devices; // by device_code
  std::vector<EmulatorRecord> records;
  std::vector<EmulatorGrant> grants;
  Params callback_values;
  std::string refusal;
  int post_auth_failure = 0;              // the next post-authorization answer's status
  json post_auth_values = json::object(); // kept name -> the value an answer gave

  const providers::Provider& d() const { return options.dialect; }

  std::string fresh() {
    for (int attempt = 0; attempt < 4; ++attempt) {
      auto key = random(k_token_length);
      if (key.size() == k_token_length && !codes.contains(key) && !access_tokens.contains(key)
          && !refresh_tokens.contains(key) && !pending.contains(key))
        return key;
    }
    throw Error("emulator: the random source repeats itself");
  }

  ServerReply dialect_error(EmulatorRecord& record, int status, std::string_view error,
                            std::string_view description) const {
    record.problem = std::string(error) + ": " + std::string(description);
    return dialect_error_reply(d(), status, error, description);
  }

  ServerReply page_error(EmulatorRecord& record, int status, const std::string& why) const {
    record.problem = why;
    return html_page(status, "Refused by the emulator", why);
  }

  ServerReply route(const ServerRequest& request, EmulatorRecord& record) {
    record.method = request.method;
    record.path = request.path;
    if (request.body.size() > k_max_body)
      return page_error(record, 413, "the request body exceeds 64 KiB");
    int64_t t = now();
    std::erase_if(pending, [t](const auto& e) { return t > e.second.expires_at; });
    std::string name = last_segment(request.path);
    if (request.path == "/__emulator/stats") {
      record.endpoint = "stats";
      return json_reply(200, stats());
    }
    std::string parent = request.path.substr(0, request.path.size() - name.size());
    if (parent.ends_with("/post-auth/") && all_digits(name)) {
      record.endpoint = "post-auth";
      return post_auth(request, record, name, parent, t);
    }
    if (name == "authorize" || name == "decision" || name == "token" || name == "refresh"
        || name == "revoke" || name == "userinfo" || name == "device" || name == "verify")
      record.endpoint = name;
    else
      record.endpoint = "unknown";
    if (name == "authorize")
      return request.method == "GET" ? authorize(request, record, t) : method_not_allowed("GET");
    if (name == "decision")
      return request.method == "POST" ? decide(request, record, t) : method_not_allowed("POST");
    if (name == "token" || name == "refresh")
      return request.method == "POST" ? token(request, record, name == "refresh", t)
                                      : method_not_allowed("POST");
    if (name == "revoke")
      return request.method == "POST" ? revoke(request, record) : method_not_allowed("POST");
    if (name == "userinfo")
      return userinfo(request, record, t);
    if (name == "device")
      return request.method == "POST" ? device(request, record, t) : method_not_allowed("POST");
    if (name == "verify")
      return request.method == "GET" ? verify(request, record) : method_not_allowed("GET");
    return page_error(record, 404, "the emulator has no such endpoint");
  }

  // A parameter the dialect renames must not also arrive under its standard name.
  std::string check_client_id_name(const Params& params) const {
    if (d().client_id_param != "client_id" && find_param(params, "client_id"))
      return "client_id sent as 'client_id'; this provider expects '" + d().client_id_param + "'";
    return "";
  }

  std::string check_extra(const Params& params, const providers::StringMap& wanted,
                          const std::string& what) const {
    for (const auto& [key, value] : wanted)
      if (find_param(params, key) != value)
        return what + " parameter '" + key + "' is missing or differs";
    return "";
  }

  ServerReply authorize(const ServerRequest& request, EmulatorRecord& record, int64_t t) {
    auto query = parse_form(request.query);
    if (!query)
      return page_error(record, 400, "the authorization request has a malformed query");
    record.params = *query;
    if (has_duplicate(*query, {"client_id", "redirect_uri", "scope", "state", "code_challenge"}))
      return page_error(record, 400, "a parameter is repeated");
    if (auto why = check_client_id_name(*query); !why.empty())
      return page_error(record, 400, why);
    if (find_param(*query, d().client_id_param) != options.client_id)
      return page_error(record, 400, "unknown " + d().client_id_param);
    auto redirect_uri = find_param(*query, "redirect_uri");
    if (!redirect_uri || !acceptable_redirect(*redirect_uri))
      return page_error(record, 400, "redirect_uri must be https or http on loopback");
    AuthRequest req;
    req.redirect_uri = *redirect_uri;
    req.state = find_param(*query, "state");
    req.expires_at = t + options.code_ttl;
    auto fail = [&](std::string_view error, const std::string& why) {
      record.problem = std::string(error) + ": " + why;
      Params params{{"error", std::string(error)}, {"error_description", why}};
      if (req.state)
        params.emplace_back("state", *req.state);
      return redirect_to(append_query(req.redirect_uri, params));
    };
    if (find_param(*query, "response_type") != "code")
      return fail("unsupported_response_type", "response_type must be code");
    std::string why;
    auto scopes = read_dialect_scope(d(), find_param(*query, "scope"), why);
    if (!scopes)
      return fail("invalid_scope", why);
    req.scopes = *scopes;
    auto challenge = find_param(*query, "code_challenge");
    if (challenge && d().pkce == Pkce::forbidden)
      return fail("invalid_request", "this provider does not accept PKCE (code_challenge sent)");
    if (!challenge && d().pkce == Pkce::required)
      return fail("invalid_request", "this provider requires PKCE (no code_challenge)");
    if (challenge) {
      if (find_param(*query, "code_challenge_method") != "S256" || !is_valid_challenge(*challenge))
        return fail("invalid_request", "code_challenge must be an S256 digest");
      req.challenge = *challenge;
    }
    if (auto missing = check_extra(*query, d().authorize_params, "authorize"); !missing.empty())
      return fail("invalid_request", missing);
    if (options.auto_approve)
      return issue_code(std::move(req));
    if (pending.size() >= k_max_entries)
      return page_error(record, 503, "too many pending authorization requests");
    std::string id = fresh();
    pending[id] = req;
    return emulator_consent_page(d(), options.client_id, req.scopes, id);
  }

  ServerReply decide(const ServerRequest& request, EmulatorRecord& record, int64_t t) {
    auto form = parse_form(request.body);
    auto id = form ? find_param(*form, "request") : std::nullopt;
    auto it = id ? pending.find(*id) : pending.end();
    if (it == pending.end() || t > it->second.expires_at)
      return page_error(record, 400, "unknown or expired authorization request");
    AuthRequest req = std::move(it->second);
    pending.erase(it);
    if (find_param(*form, "decision") != "approve") {
      Params params{{"error", "access_denied"}};
      if (req.state)
        params.emplace_back("state", *req.state);
      return redirect_to(append_query(req.redirect_uri, params));
    }
    req.expires_at = t + options.code_ttl;
    return issue_code(std::move(req));
  }

  ServerReply issue_code(AuthRequest req) {
    if (codes.size() >= k_max_entries)
      return html_page(503, "Busy", "Too many outstanding authorization codes.");
    std::string code = fresh();
    Params params{{"code", code}};
    if (req.state)
      params.emplace_back("state", *req.state);
    if (!d().issuer.empty()) // RFC 9207
      params.emplace_back("iss", d().issuer);
    callback_values.clear();
    for (const auto& name : d().callback_keep) {
      // A provider that echoes the granted scope does it in its own separator.
      std::string value = name == "scope"
                              ? join_scopes(req.scopes, d().scope_separator == "," ? "," : " ")
                              : random(16);
      callback_values.emplace_back(name, value);
      params.emplace_back(name, value);
    }
    std::string location = append_query(req.redirect_uri, params);
    codes[code] = Code{std::move(req), false};
    return redirect_to(std::move(location));
  }

  std::optional<Params> read_body(const ServerRequest& request, EmulatorRecord& record,
                                  std::string& why) const {
    auto type = find_header(request.headers, "Content-Type").value_or("");
    bool is_json = d().token_request_format == BodyFormat::json;
    record.body_format = iequals_prefix(type, "application/json") ? "json" : "form";
    if (is_json != (record.body_format == "json")) {
      why = std::string("the body must be ") + (is_json ? "JSON" : "a form") + ", got " + type;
      return std::nullopt;
    }
    auto params = is_json ? json_body_params(request.body) : parse_form(request.body);
    if (!params) {
      why = "the body is malformed";
      return std::nullopt;
    }
    record.params = *params;
    return params;
  }

  // The client authentication the dialect declares, exactly (RFC 6749 §2.3).
  std::string authenticate(const ServerRequest& request, const Params& body,
                           EmulatorRecord& record) const {
    std::optional<std::pair<std::string, std::string>> basic;
    if (auto header = find_header(request.headers, "Authorization")) {
      basic = parse_basic(*header);
      if (!basic)
        return "the Authorization header is not valid Basic credentials";
    }
    auto body_id = find_param(body, d().client_id_param);
    auto body_secret = find_param(body, "client_secret");
    record.client_auth = basic && body_secret ? "basic+body"
                         : basic              ? "basic"
                         : body_secret        ? "body"
                                              : "none";
    if (auto why = check_client_id_name(body); !why.empty())
      return why;
    const std::string& secret = options.client_secret;
    AuthMethod method = secret.empty() ? AuthMethod::none : d().auth_method;
    bool basic_ok =
        basic && basic->first == options.client_id && constant_time_equal(basic->second, secret);
    bool body_ok =
        body_id == options.client_id && body_secret && constant_time_equal(*body_secret, secret);
    switch (method) {
    case AuthMethod::client_secret_basic:
      if (!basic_ok || body_secret || (body_id && body_id != options.client_id))
        return "this provider expects client_secret_basic only";
      break;
    case AuthMethod::client_secret_post:
      if (basic || !body_ok)
        return "this provider expects the client id and secret in the body only";
      break;
    case AuthMethod::both:
      if (!basic_ok || !body_ok)
        return "this provider expects Basic credentials and the client id and secret in the body";
      break;
    case AuthMethod::none:
      if (basic || body_secret || body_id != options.client_id)
        return "a public client sends only its " + d().client_id_param;
      break;
    }
    return "";
  }

  // The body, read and client-authenticated as the dialect says, or the refusal.
  std::variant<Params, ServerReply> authenticated_body(const ServerRequest& request,
                                                       EmulatorRecord& record) const {
    std::string why;
    auto body = read_body(request, record, why);
    if (!body)
      return dialect_error(record, 400, "invalid_request", why);
    if (auto failed = authenticate(request, *body, record); !failed.empty())
      return dialect_error(record, 401, "invalid_client", failed);
    return *body;
  }

  ServerReply token(const ServerRequest& request, EmulatorRecord& record, bool at_refresh_url,
                    int64_t t) {
    auto accepted = authenticated_body(request, record);
    if (auto* refused = std::get_if<ServerReply>(&accepted))
      return *refused;
    const Params* body = std::get_if<Params>(&accepted);
    if (!refusal.empty()) {
      std::string error = std::exchange(refusal, "");
      return dialect_error(record, 400, error, "refused as the test asked");
    }
    auto grant_type = find_param(*body, "grant_type").value_or("");
    bool separate = !d().refresh_url.empty();
    if (grant_type == "authorization_code" && !at_refresh_url)
      return exchange_code(*body, record, t);
    if (grant_type == k_device_grant && !at_refresh_url && has_grant(d(), "device_code"))
      return device_token(*body, record, t);
    if (grant_type == "refresh_token" && has_grant(d(), "refresh_token")
        && at_refresh_url == separate)
      return refresh(*body, record, t);
    return dialect_error(record, 400, "unsupported_grant_type",
                         "grant_type '" + grant_type + "' is not accepted at this endpoint");
  }

  ServerReply exchange_code(const Params& body, EmulatorRecord& record, int64_t t) {
    if (auto missing = check_extra(body, d().token_params, "token"); !missing.empty())
      return dialect_error(record, 400, "invalid_request", missing);
    auto it = codes.find(find_param(body, "code").value_or(""));
    if (it == codes.end() || it->second.used || t > it->second.request.expires_at)
      return dialect_error(record, 400, "invalid_grant", "the code is unknown, used or expired");
    it->second.used = true;
    const AuthRequest& req = it->second.request;
    if (find_param(body, "redirect_uri") != req.redirect_uri) // byte-identical, §4.1.3
      return dialect_error(record, 400, "invalid_grant", "redirect_uri differs from authorize");
    auto verifier = find_param(body, "code_verifier");
    if (req.challenge.empty() && verifier)
      return dialect_error(record, 400, "invalid_request", "code_verifier without a challenge");
    if (!req.challenge.empty()
        && (!verifier || !constant_time_equal(pkce_challenge_s256(*verifier), req.challenge)))
      return dialect_error(record, 400, "invalid_grant", "code_verifier does not match");
    return issue_tokens("authorization_code", req.scopes, true, t);
  }

  ServerReply refresh(const Params& body, EmulatorRecord& record, int64_t t) {
    if (auto missing = check_extra(body, d().refresh_params, "refresh"); !missing.empty())
      return dialect_error(record, 400, "invalid_request", missing);
    auto presented = find_param(body, "refresh_token").value_or("");
    auto it = refresh_tokens.find(presented);
    if (it == refresh_tokens.end())
      return dialect_error(record, 400, "invalid_grant", "the refresh token is unknown");
    std::vector<std::string> scopes = it->second.scopes;
    if (d().refresh_token_rotation)
      refresh_tokens.erase(it);
    return issue_tokens("refresh_token", scopes, d().refresh_token_rotation, t);
  }

  // The token answer in the dialect: lifetime field, scope field and separator, token
  // nesting, success flag, kept metadata, body format.
  ServerReply issue_tokens(const std::string& grant_type, const std::vector<std::string>& scopes,
                           bool new_refresh_token, int64_t t) {
    if (access_tokens.size() >= k_max_entries)
      access_tokens.clear(); // a toy: forget old tokens rather than grow
    const auto& r = d().response;
    EmulatorGrant grant{grant_type, fresh(), "", std::nullopt, scopes, json::object()};
    json tokens = {{"access_token", grant.access_token},
                   {"token_type", r.token_type.empty() ? "Bearer" : "opaque"}};
    if (d().tokens_expire) {
      int64_t ttl = r.default_expires_in.value_or(options.access_token_ttl);
      grant.expires_at = t + ttl;
      if (!r.expires_at_field.empty())
        set_json_path(tokens, r.expires_at_field, *grant.expires_at);
      else if (!r.default_expires_in)
        tokens["expires_in"] =
            r.expires_in_unit == providers::ExpiresUnit::milliseconds ? ttl * 1000 : ttl;
    }
    bool offline = std::all_of(d().offline_scopes.begin(), d().offline_scopes.end(),
                               [&](const std::string& s) {
                                 return std::find(scopes.begin(), scopes.end(), s) != scopes.end();
                               });
    if (new_refresh_token && offline && has_grant(d(), "refresh_token")) {
      grant.refresh_token = fresh();
      refresh_tokens[grant.refresh_token] = Token{scopes, std::nullopt};
      tokens["refresh_token"] = grant.refresh_token;
    }
    if (!r.scope_field.empty())
      set_json_path(tokens, r.scope_field,
                    join_scopes(scopes, d().scope_separator == "," ? "," : " "));
    access_tokens[grant.access_token] = Token{scopes, grant.expires_at};

    for (const auto& path : r.keep)
      if (std::find(std::begin(k_token_fields), std::end(k_token_fields), path)
          == std::end(k_token_fields))
        set_json_path(grant.kept, path, random(16));
    grants.push_back(grant);
    return dialect_token_reply(d(), tokens, grant.kept);
  }

  // RFC 8628 §3.1-3.2. The verification URI is this server's own (from the Host header),
  // next to the device endpoint.
  ServerReply device(const ServerRequest& request, EmulatorRecord& record, int64_t t) {
    if (!has_grant(d(), "device_code"))
      return dialect_error(record, 400, "unsupported_grant_type", "no device grant here");
    auto accepted = authenticated_body(request, record);
    if (auto* refused = std::get_if<ServerReply>(&accepted))
      return *refused;
    std::string why;
    auto scopes = read_dialect_scope(d(), find_param(std::get<Params>(accepted), "scope"), why);
    if (!scopes)
      return dialect_error(record, 400, "invalid_scope", why);
    std::erase_if(devices, [t](const auto& e) { return t > e.second.expires_at; });
    if (devices.size() >= k_max_entries)
      return dialect_error(record, 400, "slow_down", "too many device authorizations");
    std::string device_code = fresh();
    std::string user_code = random(8);
    devices[device_code] = DeviceGrant{*scopes, user_code, options.auto_approve, t + k_device_ttl};
    std::string path = request.path.substr(0, request.path.rfind('/'));
    std::string uri =
        "http://" + find_header(request.headers, "Host").value_or("127.0.0.1") + path + "/verify";
    return json_reply(200, {{"device_code", device_code},
                            {"user_code", user_code},
                            {"verification_uri", uri},
                            {"verification_uri_complete", uri + "?user_code=" + user_code},
                            {"expires_in", k_device_ttl},
                            {"interval", 1}});
  }

  // The user's visit to the verification URI with the code: approves it (a toy: no login).
  ServerReply verify(const ServerRequest& request, EmulatorRecord& record) {
    auto query = parse_form(request.query);
    auto code = query ? find_param(*query, "user_code") : std::nullopt;
    for (auto& [key, grant] : devices)
      if (code && constant_time_equal(*code, grant.user_code)) {
        grant.approved = true;
        return html_page(200, "Device approved", "You can return to your device.");
      }
    return page_error(record, 400, "unknown user_code");
  }

  ServerReply device_token(const Params& body, EmulatorRecord& record, int64_t t) {
    auto it = devices.find(find_param(body, "device_code").value_or(""));
    if (it == devices.end())
      return dialect_error(record, 400, "invalid_grant", "the device code is unknown or used");
    if (t > it->second.expires_at) {
      devices.erase(it);
      return dialect_error(record, 400, "expired_token", "the device code expired");
    }
    if (!it->second.approved) {
      auto reply = dialect_error(record, 400, "authorization_pending", "not approved yet");
      record.problem.clear(); // the expected answer to a poll, not a client mistake
      return reply;
    }
    std::vector<std::string> scopes = std::move(it->second.scopes);
    devices.erase(it);
    return issue_tokens(std::string(k_device_grant), scopes, true, t);
  }

  // RFC 7009: 200 even for unknown tokens; a refresh token takes nothing else along here.
  ServerReply revoke(const ServerRequest& request, EmulatorRecord& record) {
    auto accepted = authenticated_body(request, record);
    if (auto* refused = std::get_if<ServerReply>(&accepted))
      return *refused;
    const Params* body = std::get_if<Params>(&accepted);
    auto token = find_param(*body, "token");
    if (!token)
      return dialect_error(record, 400, "invalid_request", "token is missing");
    access_tokens.erase(*token);
    refresh_tokens.erase(*token);
    ServerReply reply;
    reply.content_type = "text/plain; charset=utf-8";
    reply.headers = {{"Cache-Control", "no-store"}};
    return reply;
  }

  ServerReply userinfo(const ServerRequest& request, EmulatorRecord& record, int64_t t) {
    auto header = find_header(request.headers, "Authorization");
    auto presented = header ? auth_credentials(*header, "Bearer") : std::nullopt;
    auto it = presented ? access_tokens.find(std::string(*presented)) : access_tokens.end();
    if (it == access_tokens.end() || (it->second.expires_at && t > *it->second.expires_at)) {
      record.problem = "invalid_token";
      auto reply = oauth_error("invalid_token", "the access token is invalid or expired", 401);
      reply.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      return reply;
    }
    return json_reply(200, {{"sub", "emulated-user"}, {"name", "Emulated User"}});
  }

  // The catalog's post-authorization request number `index` (its URL pointed at
  // <prefix>/{placeholders}/post-auth/<index>): method, declared headers, the issued
  // access token under the request's auth scheme, and the values earlier answers gave
  // in the path; the answer has a random value at every keep path.
  ServerReply post_auth(const ServerRequest& request, EmulatorRecord& record,
                        const std::string& index_text, const std::string& parent, int64_t t) {
    size_t index = std::stoul(index_text);
    if (index >= d().post_authorization.size())
      return page_error(record, 404, "the emulator has no such post-authorization request");
    const auto& expected = d().post_authorization[index];
    auto refuse = [&](int status, const std::string& why) {
      record.problem = why;
      return oauth_error("invalid_request", why, status);
    };
    if (request.method != expected.method)
      return refuse(405,
                    "post-authorization request " + index_text + " must be " + expected.method);
    auto header = find_header(request.headers, "Authorization");
    auto presented = header ? auth_credentials(*header, expected.auth_scheme) : std::nullopt;
    auto it = presented ? access_tokens.find(std::string(*presented)) : access_tokens.end();
    if (it == access_tokens.end() || (it->second.expires_at && t > *it->second.expires_at)) {
      auto reply =
          refuse(401, "no valid access token with the scheme '" + expected.auth_scheme + "'");
      reply.headers.emplace_back("WWW-Authenticate", expected.auth_scheme);
      return reply;
    }
    for (const auto& [name, value] : expected.headers)
      if (find_header(request.headers, name) != value)
        return refuse(400, "header '" + name + "' is missing or differs");
    // The filled placeholders, in order, are the path segments before /post-auth/N; a
    // value an earlier answer gave must arrive as given.
    auto names = providers::template_names(expected.url);
    std::vector<std::string> segments;
    std::string rest = parent.substr(0, parent.size() - std::string("/post-auth/").size());
    for (size_t n = 0; n < names.size() && !rest.empty(); ++n) {
      auto slash = rest.rfind('/');
      segments.insert(segments.begin(),
                      percent_decode(rest.substr(slash + 1), PlusAsSpace::no).value_or(""));
      rest.resize(slash == std::string::npos ? 0 : slash);
    }
    for (size_t n = 0; n < names.size(); ++n) {
      size_t at = n + segments.size() - names.size();
      if (post_auth_values.contains(names[n])
          && (at >= segments.size() || post_auth_values[names[n]] != segments[at]))
        return refuse(400, "the URL does not carry the '" + names[n] + "' given earlier");
    }
    if (post_auth_failure != 0)
      return refuse(std::exchange(post_auth_failure, 0), "failed as the test asked");
    json doc;
    for (const auto& [name, path] : expected.keep) {
      json value = random(16);
      place_at_keep_path(doc, split_path(path), 0, value);
      post_auth_values[name] = value;
    }
    return json_reply(200, doc);
  }

  json stats() const {
    json counts = json::object();
    json problems = json::array();
    for (const auto& record : records) {
      counts[record.endpoint] = counts.value(record.endpoint, 0) + 1;
      if (!record.problem.empty())
        problems.push_back({{"endpoint", record.endpoint}, {"problem", record.problem}});
    }
    return {{"provider", d().slug}, {"requests", counts}, {"problems", problems}};
  }
};

Emulator::Emulator(EmulatorOptions options, std::function<std::string(size_t)> random,
                   std::function<int64_t()> now)
    : m_state(std::make_unique<State>()) {
  if (options.dialect.discovery)
    throw UsageError("emulator: '" + options.dialect.slug
                     + "' reads its endpoints from an issuer; use the plain sandbox instead");
  if (!random || !now)
    throw UsageError("emulator: random and clock functions are required");
  if (options.client_id.empty() || options.access_token_ttl <= 0 || options.code_ttl <= 0)
    throw UsageError("emulator: a client id and positive lifetimes are required");
  m_state->options = std::move(options);
  m_state->random = std::move(random);
  m_state->now = std::move(now);
}

Emulator::~Emulator() = default;

ServerReply Emulator::handle(const ServerRequest& request) {
  std::lock_guard lock(m_state->mutex);
  EmulatorRecord record;
  ServerReply reply;
  try {
    reply = m_state->route(request, record);
  } catch (...) {
    // Generic on purpose: nothing from the request or the state reaches the message.
    record.problem = "internal error";
    reply = oauth_error("server_error", "internal error", 500);
  }
  record.status = reply.status;
  auto& records = m_state->records;
  if (records.size() >= k_max_entries) // a long-running sandbox keeps the latest only
    records.erase(records.begin(), records.begin() + k_max_entries / 2);
  records.push_back(std::move(record));
  return reply;
}

void Emulator::fail_next_post_authorization(int status) {
  std::lock_guard lock(m_state->mutex);
  m_state->post_auth_failure = status;
}

nlohmann::json Emulator::post_authorization_values() const {
  std::lock_guard lock(m_state->mutex);
  return m_state->post_auth_values;
}

void Emulator::refuse_next_token_request(const std::string& error) {
  std::lock_guard lock(m_state->mutex);
  m_state->refusal = error;
}

std::vector<EmulatorRecord> Emulator::records() const {
  std::lock_guard lock(m_state->mutex);
  return m_state->records;
}

std::vector<EmulatorGrant> Emulator::grants() const {
  std::lock_guard lock(m_state->mutex);
  return m_state->grants;
}

Params Emulator::callback_values() const {
  std::lock_guard lock(m_state->mutex);
  return m_state->callback_values;
}

bool Emulator::is_active(const std::string& access_token) const {
  std::lock_guard lock(m_state->mutex);
  auto it = m_state->access_tokens.find(access_token);
  return it != m_state->access_tokens.end()
         && (!it->second.expires_at || m_state->now() <= *it->second.expires_at);
}

nlohmann::json Emulator::stats() const {
  std::lock_guard lock(m_state->mutex);
  return m_state->stats();
}

} // namespace oauthlink::flow
