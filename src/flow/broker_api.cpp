// SPDX-License-Identifier: MIT
// The broker's management API under /v1, for the app's back end: Bearer API key, JSON in
// and out. Client secrets are always masked in answers.
#include "flow/authorize_url.hpp"
#include "flow/broker.hpp"
#include "flow/pkce.hpp"
#include "flow/redirect.hpp"

#include <cstdio>

namespace oauthlink::flow {

using nlohmann::json;

namespace {

ServerReply api_error(int status, const std::string& error, const std::string& description) {
  return json_reply(status, {{"error", error}, {"message", description}});
}

json app_json(const App& app) {
  return {{"id", app.id},
          {"provider", app.provider},
          {"name", app.name},
          {"client_id", app.client_id},
          {"client_secret", app.client_secret.empty() ? json(nullptr) : json("********")},
          {"scopes", app.scopes},
          {"created_at", format_time(app.created_at)}};
}

std::optional<json> json_body(const ServerRequest& request) {
  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return std::nullopt;
  return body;
}

std::string string_field(const json& body, const char* name) {
  auto it = body.find(name);
  return it != body.end() && it->is_string() ? it->get<std::string>() : "";
}

std::optional<int64_t> parse_time(const std::string& text) {
  // RFC 3339 UTC as format_time writes it: 2026-12-03T14:00:00Z.
  int y, mo, d, h, mi, s;
  char z = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &s, &z) != 7
      || z != 'Z')
    return std::nullopt;
  // Days from civil (Howard Hinnant's algorithm), no time zone database needed.
  int yy = mo <= 2 ? y - 1 : y;
  int era = (yy >= 0 ? yy : yy - 399) / 400;
  int yoe = yy - era * 400;
  int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = static_cast<int64_t>(era) * 146097 + doe - 719468;
  return days * 86400 + h * 3600 + mi * 60 + s;
}

} // namespace

ServerReply Broker::api(const ServerRequest& request) {
  auto header = find_header(request.headers, "Authorization").value_or("");
  std::string given = header.rfind("Bearer ", 0) == 0 ? header.substr(7) : "";
  if (given.empty() || m_options.api_key.empty()
      || !constant_time_equal(secret_hash(given), secret_hash(m_options.api_key))) {
    ServerReply reply = api_error(401, "unauthorized", "a valid Bearer API key is required");
    reply.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"oauthlink\"");
    return reply;
  }
  const std::string& path = request.path;
  if (path == "/v1/credentials/start-auth")
    return api_start_auth(request);
  if (path == "/v1/credentials")
    return api_credentials(request, "");
  if (path.rfind("/v1/credentials/", 0) == 0)
    return api_credentials(request, path.substr(16));
  if (path == "/v1/oauth-apps")
    return api_apps(request);
  return api_error(404, "not_found", "no such route");
}

ServerReply Broker::api_start_auth(const ServerRequest& request) {
  if (request.method != "POST")
    return api_error(405, "method_not_allowed", "use POST");
  auto body = json_body(request);
  if (!body)
    return api_error(400, "invalid_request", "the body must be a JSON object");
  std::string app_id = string_field(*body, "oauth_app_id");
  auto app = m_backend.find_app(app_id);
  if (!app)
    return api_error(404, "not_found", "unknown oauth_app_id");
  StartLink link;
  link.app_id = app->id;
  link.redirect_uri = string_field(*body, "redirect_url");
  if (body->contains("state") && (*body)["state"].is_string())
    link.app_state = (*body)["state"].get<std::string>();
  bool registered = false;
  for (const auto& uri : m_backend.redirects())
    registered = registered || redirect_matches(uri, app->provider, link.redirect_uri);
  if (!registered)
    return api_error(400, "invalid_request", "redirect_url is not a registered redirect URI");
  std::string token = m_random(43);
  link.token_hash = secret_hash(token);
  link.expires_at = m_now() + m_options.link_ttl;
  m_backend.save_link(link);
  return json_reply(201, {{"start_url", m_options.issuer + "/link/oauth2/start/" + token},
                          {"expires_at", format_time(link.expires_at)}});
}

ServerReply Broker::api_credentials(const ServerRequest& request, const std::string& id) {
  if (!id.empty()) {
    if (request.method == "GET") {
      auto credential = m_backend.find_credential(id);
      if (!credential)
        return api_error(404, "not_found", "no such credential");
      return json_reply(200, credential_json(*credential));
    }
    if (request.method == "DELETE")
      return m_backend.delete_credential(id) ? json_reply(200, {{"deleted", id}})
                                             : api_error(404, "not_found", "no such credential");
    return api_error(405, "method_not_allowed", "use GET or DELETE");
  }
  if (request.method == "GET") {
    auto params = parse_form(request.query).value_or(Params{});
    auto provider = find_param(params, "provider");
    json list = json::array();
    for (const auto& credential : m_backend.list_credentials())
      if (!provider || credential.provider == *provider)
        list.push_back(credential_summary_json(credential, m_now()));
    return json_reply(200, {{"credentials", list}});
  }
  if (request.method != "POST")
    return api_error(405, "method_not_allowed", "use GET or POST");
  // Import: an upsert keyed by id; without one, by the app and the access token, so the
  // same import twice yields one credential.
  auto body = json_body(request);
  if (!body)
    return api_error(400, "invalid_request", "the body must be a JSON object");
  auto app = m_backend.find_app(string_field(*body, "oauth_app_id"));
  if (!app)
    return api_error(404, "not_found", "unknown oauth_app_id");
  json properties = body->value("properties", json::object());
  if (!properties.is_object() || string_field(properties, "access_token").empty())
    return api_error(400, "invalid_request", "properties.access_token is required");
  Credential c;
  c.app_id = app->id;
  c.provider = app->provider;
  c.tokens.access_token = string_field(properties, "access_token");
  c.tokens.refresh_token = string_field(properties, "refresh_token");
  c.tokens.scope = string_field(properties, "scope");
  c.tokens.id_token = string_field(properties, "id_token");
  if (auto type = string_field(properties, "token_type"); !type.empty())
    c.tokens.token_type = type;
  if (auto at = string_field(properties, "expires_at"); !at.empty()) {
    c.tokens.expires_at = parse_time(at);
    if (!c.tokens.expires_at)
      return api_error(400, "invalid_request", "properties.expires_at is not RFC 3339 UTC");
  }
  c.metadata = body->value("metadata", json::object());
  c.id = string_field(*body, "id");
  if (c.id.empty())
    c.id = "cred_" + base64url(sha256(app->id + '\n' + c.tokens.access_token)).substr(0, 24);
  auto existing = m_backend.find_credential(c.id);
  if (existing && existing->app_id != app->id)
    return api_error(409, "conflict", "that credential id belongs to another app");
  c.created_at = existing ? existing->created_at : m_now();
  c.updated_at = m_now();
  c = m_backend.save_credential(c);
  return json_reply(existing ? 200 : 201, {{"credential", credential_json(c)}});
}

ServerReply Broker::api_apps(const ServerRequest& request) {
  if (request.method == "GET") {
    json list = json::array();
    for (const auto& app : m_backend.list_apps())
      list.push_back(app_json(app));
    return json_reply(200, {{"oauth_apps", list}});
  }
  if (request.method != "POST")
    return api_error(405, "method_not_allowed", "use GET or POST");
  auto body = json_body(request);
  if (!body)
    return api_error(400, "invalid_request", "the body must be a JSON object");
  App app;
  app.provider = string_field(*body, "provider");
  app.client_id = string_field(*body, "client_id");
  app.client_secret = string_field(*body, "client_secret");
  app.name = string_field(*body, "name");
  app.issuer = string_field(*body, "issuer");
  if (!m_backend.has_provider(app.provider))
    return api_error(400, "invalid_request", "unknown provider '" + app.provider + "'");
  if (app.client_id.empty())
    return api_error(400, "invalid_request", "client_id is required");
  for (const auto* value : {&app.client_id, &app.client_secret, &app.name, &app.issuer})
    if (has_control_char(*value))
      return api_error(400, "invalid_request", "a value holds a control character");
  if (auto scopes = body->find("scopes"); scopes != body->end()) {
    if (scopes->is_string())
      app.scopes = split_scopes(scopes->get<std::string>());
    else if (scopes->is_array())
      for (const auto& s : *scopes)
        if (s.is_string())
          app.scopes.push_back(s.get<std::string>());
  }
  app.created_at = m_now();
  app = m_backend.add_app(app);
  return json_reply(201, app_json(app));
}

} // namespace oauthlink::flow
