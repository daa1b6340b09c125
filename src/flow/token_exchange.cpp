// SPDX-License-Identifier: MIT
#include "flow/token_exchange.hpp"

#include "flow/authorize_url.hpp"
#include "flow/pkce.hpp"
#include "providers/json_limits.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <limits>

namespace oauthlink::flow {

using nlohmann::json;
using providers::AuthMethod;
using providers::Provider;

HttpRequest build_token_request(const Provider& provider, const App& app, const std::string& url,
                                Params grant, const providers::StringMap& extra) {
  HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.headers.emplace_back("Accept", "application/json");
  AuthMethod method = app.client_secret.empty() ? AuthMethod::none : provider.auth_method;
  if (method == AuthMethod::client_secret_basic || method == AuthMethod::both) {
    // RFC 6749 §2.3.1: both parts are form-encoded before base64.
    std::string pair = percent_encode(app.client_id) + ":" + percent_encode(app.client_secret);
    request.headers.emplace_back("Authorization", "Basic " + base64(pair));
  }
  if (method != AuthMethod::client_secret_basic)
    grant.emplace_back(provider.client_id_param, app.client_id);
  if (method == AuthMethod::client_secret_post || method == AuthMethod::both)
    grant.emplace_back("client_secret", app.client_secret);
  for (const auto& [key, value] : extra)
    if (!find_param(grant, key))
      grant.emplace_back(key, value);
  if (provider.token_request_format == providers::BodyFormat::json) {
    json body = json::object();
    for (const auto& [key, value] : grant)
      body[key] = value;
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = body.dump();
  } else {
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    request.body = form_encode(grant);
  }
  return request;
}

HttpRequest build_code_exchange(const Provider& provider, const App& app, const std::string& code,
                                const std::string& redirect_uri, const std::string& code_verifier) {
  Params grant = {
      {"grant_type", "authorization_code"}, {"code", code}, {"redirect_uri", redirect_uri}};
  if (!code_verifier.empty())
    grant.emplace_back("code_verifier", code_verifier);
  return build_token_request(provider, app, provider.token_url, std::move(grant),
                             provider.token_params);
}

HttpRequest build_client_credentials_request(const Provider& provider, const App& app,
                                             const std::vector<std::string>& scopes) {
  Params grant = {{"grant_type", "client_credentials"}};
  if (!scopes.empty()) {
    grant.emplace_back("scope", join_scopes_for(provider, scopes));
  }
  return build_token_request(provider, app, provider.token_url, std::move(grant),
                             provider.token_params);
}

HttpRequest build_refresh_request(const Provider& provider, const App& app,
                                  const std::string& refresh_token) {
  Params grant = {{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}};
  const std::string& url = provider.refresh_url.empty() ? provider.token_url : provider.refresh_url;
  return build_token_request(provider, app, url, std::move(grant), provider.refresh_params);
}

namespace {

OAuthError invalid_response(int status, const std::string& why) {
  return OAuthError{"invalid_response", why, "", status};
}

const json* at_path(const json& doc, const std::string& path) {
  const json* node = &doc;
  size_t pos = 0;
  while (pos <= path.size() && !path.empty()) {
    size_t dot = path.find('.', pos);
    if (dot == std::string::npos)
      dot = path.size();
    std::string key = path.substr(pos, dot - pos);
    if (!node->is_object())
      return nullptr;
    auto it = node->find(key);
    if (it == node->end())
      return nullptr;
    node = &*it;
    pos = dot + 1;
  }
  return node;
}

std::string text_of(const json& doc, const char* key) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null())
    return "";
  if (it->is_string())
    return it->get<std::string>();
  return it->dump();
}

// A number or a numeric string, as a 64-bit integer (SECURITY.md D4).
std::optional<int64_t> integer_of(const json& value) {
  if (value.is_number_integer())
    return value.get<int64_t>();
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (d >= 0 && d < 9.2e18)
      return static_cast<int64_t>(d);
    return std::nullopt;
  }
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    int64_t out = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (!s.empty() && ec == std::errc{} && ptr == s.data() + s.size())
      return out;
  }
  return std::nullopt;
}

int64_t saturating_add(int64_t a, int64_t b) {
  if (b > 0 && a > std::numeric_limits<int64_t>::max() - b)
    return std::numeric_limits<int64_t>::max();
  return a + b;
}

} // namespace

TokenResult parse_token_response(const Provider& provider, const HttpResponse& response,
                                 int64_t sent_at, const std::string& requested_scopes) {
  // D1: a body that starts with '{' is JSON whatever its Content-Type; else a form.
  auto first = std::find_if(response.body.begin(), response.body.end(),
                            [](char c) { return !std::isspace(static_cast<unsigned char>(c)); });
  json doc;
  if (first != response.body.end() && *first == '{') {
    if (!providers::json_nesting_within(response.body))
      return invalid_response(response.status, "token endpoint answered JSON nested deeper than "
                                                   + std::to_string(providers::k_max_json_depth)
                                                   + " levels");
    doc = json::parse(response.body, nullptr, false);
    if (doc.is_discarded() || !doc.is_object())
      return invalid_response(response.status, "token endpoint answered malformed JSON (HTTP "
                                                   + std::to_string(response.status) + ")");
  } else {
    auto form = parse_form(response.body);
    if (!form || form->empty() || !find_param(*form, "access_token")) {
      if (form && find_param(*form, "error")) {
        doc = json::object();
        for (const auto& [key, value] : *form)
          doc[key] = value;
      } else {
        return invalid_response(response.status, "token endpoint answered HTTP "
                                                     + std::to_string(response.status)
                                                     + " without a token");
      }
    } else {
      doc = json::object();
      for (const auto& [key, value] : *form)
        doc[key] = value;
    }
  }

  // D2: any "error" is an error, whatever the HTTP status.
  if (doc.contains("error") && !doc["error"].is_null()
      && !(doc["error"].is_boolean() && !doc["error"].get<bool>())) {
    OAuthError error;
    const json& e = doc["error"];
    if (e.is_object()) {
      error.error = text_of(e, "code");
      error.description = text_of(e, "message");
    } else {
      error.error = e.is_string() ? e.get<std::string>() : e.dump();
    }
    error.description =
        error.description.empty() ? text_of(doc, "error_description") : error.description;
    error.uri = text_of(doc, "error_uri");
    error.http_status = response.status;
    return error;
  }
  if (!provider.response.success_field.empty()) {
    const json* flag = at_path(doc, provider.response.success_field);
    if (!flag || !flag->is_boolean() || !flag->get<bool>())
      return OAuthError{"request_failed",
                        "provider reported " + provider.response.success_field + "=false", "",
                        response.status};
  }
  if (response.status < 200 || response.status >= 300)
    return invalid_response(response.status,
                            "token endpoint answered HTTP " + std::to_string(response.status));

  const json* tokens = &doc;
  if (!provider.response.token_path.empty()) {
    tokens = at_path(doc, provider.response.token_path);
    if (!tokens || !tokens->is_object())
      return invalid_response(response.status,
                              "token response lacks '" + provider.response.token_path + "'");
  }
  TokenSet set;
  auto access = tokens->find("access_token");
  if (access == tokens->end() || !access->is_string() || access->get<std::string>().empty())
    return invalid_response(response.status, "token response has no access_token");
  set.access_token = access->get<std::string>();
  set.refresh_token = text_of(*tokens, "refresh_token");
  set.id_token = text_of(*tokens, "id_token");
  // RFC 6749 §A.12-13: tokens are printable; a control character would split the
  // Authorization header or an exported variable.
  for (const auto* token : {&set.access_token, &set.refresh_token, &set.id_token})
    if (has_control_char(*token))
      return invalid_response(response.status, "a token in the response holds a control character");

  // D3: case-insensitive token_type; canonical spelling on output.
  std::string type = provider.response.token_type.empty() ? text_of(*tokens, "token_type")
                                                          : provider.response.token_type;
  std::string lower = type;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.empty()) {
    set.token_type = "Bearer";
    set.warnings.push_back("token response has no token_type; assuming Bearer");
  } else if (lower == "bearer") {
    set.token_type = "Bearer";
  } else if (lower == "dpop") {
    set.token_type = "DPoP";
  } else {
    return invalid_response(response.status, "unsupported token_type '" + type + "'");
  }

  // D4: expires_in as number or string; absent -> documented default or unknown.
  if (provider.tokens_expire) {
    const auto& d = provider.response;
    std::optional<int64_t> lifetime;
    bool present = false;
    if (auto it = tokens->find("expires_in"); it != tokens->end()) {
      present = true;
      if (!it->is_null()) {
        lifetime = integer_of(*it);
        if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
          lifetime = INT64_MAX;
        if (!lifetime)
          set.warnings.push_back("ignoring non-numeric expires_in");
        else if (*lifetime < 0) {
          set.warnings.push_back("ignoring negative expires_in");
          lifetime.reset();
        } else if (d.expires_in_unit == providers::ExpiresUnit::milliseconds)
          *lifetime /= 1000;
      }
    }
    if (!present && d.default_expires_in)
      lifetime = d.default_expires_in;
    // Capped at 9999-12-31T23:59:59Z, the last instant RFC 3339 can write.
    constexpr int64_t k_last_time = 253402300799;
    if (lifetime && *lifetime >= 0)
      set.expires_at = std::min(saturating_add(sent_at, *lifetime), k_last_time);
    if (!d.expires_at_field.empty()) {
      if (const json* at = at_path(*tokens, d.expires_at_field))
        if (auto value = integer_of(*at))
          set.expires_at = *value;
    }
  }

  // D6: scope as string or array; absent -> granted = requested.
  const json* scope = at_path(*tokens, provider.response.scope_field);
  if (scope && scope->is_array()) {
    std::vector<std::string> parts;
    for (const auto& item : *scope)
      if (item.is_string())
        parts.push_back(item.get<std::string>());
    std::string joined;
    for (const auto& part : parts)
      joined += (joined.empty() ? "" : " ") + part;
    set.scope = joined;
  } else if (scope && scope->is_string()) {
    set.scope = scope->get<std::string>();
    // Comma-separated providers answer in their own separator; store space-separated.
    if (provider.scope_separator != " ")
      std::replace(set.scope.begin(), set.scope.end(), provider.scope_separator[0], ' ');
  } else {
    set.scope = requested_scopes;
  }
  if (!requested_scopes.empty() && set.scope != requested_scopes)
    set.warnings.push_back("granted scope '" + set.scope + "' differs from requested '"
                           + requested_scopes + "'");

  for (const auto& path : provider.response.keep) {
    const json* value = at_path(doc, path);
    if (!value)
      value = at_path(*tokens, path);
    if (value && !value->is_null()) {
      std::string key = path;
      std::replace(key.begin(), key.end(), '.', '_');
      set.extra[key] = *value;
    }
  }
  return set;
}

} // namespace oauthlink::flow
