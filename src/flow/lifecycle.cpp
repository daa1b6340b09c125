// SPDX-License-Identifier: MIT
#include "flow/lifecycle.hpp"

#include "error.hpp"
#include "flow/pkce.hpp"
#include "flow/token_exchange.hpp"
#include "providers/template.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace oauthlink::flow {

using nlohmann::json;

namespace {

std::string lower(std::string text) {
  for (auto& c : text)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string string_field(const json& object, const char* key, bool required) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    if (required)
      throw UsageError(std::string("import: credential has no '") + key + "'");
    return "";
  }
  if (!it->is_string())
    throw UsageError(std::string("import: '") + key + "' must be a string");
  if (has_control_char(it->get<std::string>()))
    throw UsageError(std::string("import: '") + key + "' holds a control character");
  return it->get<std::string>();
}

} // namespace

std::string hex(std::string_view bytes) {
  static const char* k_hex = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    auto b = static_cast<unsigned char>(c);
    out.push_back(k_hex[b >> 4]);
    out.push_back(k_hex[b & 15]);
  }
  return out;
}

std::string authorization_value(const TokenSet& tokens) {
  std::string type = tokens.token_type;
  if (type.empty() || lower(type) == "bearer")
    type = "Bearer";
  return type + " " + tokens.access_token;
}

std::vector<HttpRequest> build_revocation_requests(const providers::Provider& provider,
                                                   const App& app, const TokenSet& tokens) {
  std::vector<HttpRequest> out;
  for (const auto& [token, hint] : {std::pair{tokens.refresh_token, "refresh_token"},
                                    std::pair{tokens.access_token, "access_token"}}) {
    if (token.empty())
      continue;
    Params params = {{"token", token}, {"token_type_hint", hint}};
    out.push_back(build_token_request(provider, app, provider.revocation_url, params, {}));
  }
  return out;
}

std::optional<std::string> revocation_failure(const HttpResponse& response) {
  if (response.status == 200)
    return std::nullopt;
  std::string text = "HTTP " + std::to_string(response.status);
  json body = json::parse(response.body, nullptr, false);
  if (!body.is_discarded() && body.is_object() && body.contains("error")
      && body["error"].is_string())
    text += ": " + body["error"].get<std::string>();
  return text;
}

HttpRequest build_userinfo_request(const std::string& userinfo_url, const TokenSet& tokens) {
  HttpRequest request;
  request.url = userinfo_url;
  request.headers.emplace_back("Accept", "application/json");
  request.headers.emplace_back("Authorization", authorization_value(tokens));
  return request;
}

Verdict classify_userinfo(const HttpResponse& response) {
  if (response.status >= 200 && response.status < 300)
    return Verdict::accepted;
  if (response.status == 401 || response.status == 403)
    return Verdict::rejected;
  return Verdict::failed;
}

void record_result(Credential& credential, const std::string& field, bool ok, int64_t now,
                   const std::string& reason) {
  json entry = {{"status", ok ? "ok" : "failed"}, {"at", format_time(now)}};
  if (!reason.empty())
    entry["reason"] = reason;
  credential.metadata[field] = entry;
}

std::string api_url(const providers::Provider& provider, const App& app,
                    const Credential& credential, const std::string& path) {
  if (provider.api_base_url.empty())
    throw UsageError("provider '" + provider.slug + "' has no api_base_url in the catalog");
  providers::StringMap values = app.settings;
  for (const auto& [key, value] : credential.tokens.extra.items())
    if (value.is_string())
      values[key] = value.get<std::string>();
  std::string base =
      providers::fill_template(provider.api_base_url, values, provider.template_defaults);
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  bool absolute = path.rfind("https://", 0) == 0 || path.rfind("http://", 0) == 0;
  // Never send the token to another host than the provider's API.
  if (absolute && path.rfind(base + "/", 0) != 0 && path != base)
    throw UsageError("api: " + path + " is not under the provider's API base " + base);
  std::string relative = absolute ? path.substr(base.size()) : path;
  // Dot segments (also percent-encoded) would climb out of the base once the URL is
  // normalised, so they are refused rather than resolved.
  if (has_control_char(relative))
    throw UsageError("api: the path holds a control character");
  std::string_view rest(relative);
  rest = rest.substr(0, rest.find_first_of("?#"));
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string segment =
        lower(percent_decode(rest.substr(0, slash), PlusAsSpace::no).value_or(std::string(rest)));
    if (segment == "." || segment == ".." || segment.find('\\') != std::string::npos)
      throw UsageError("api: '.', '..' and '\\' are not allowed in the path (they would leave "
                       "the API base "
                       + base + ")");
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  if (absolute)
    return path;
  return base + (path.empty() || path[0] != '/' ? "/" : "") + path;
}

std::pair<std::string, std::string> parse_header_arg(const std::string& text) {
  size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0)
    throw UsageError("-H '" + text.substr(0, 40) + "': expected 'Name: value'");
  std::string name = text.substr(0, colon);
  std::string value = text.substr(colon + 1);
  value.erase(0, value.find_first_not_of(" \t"));
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
      throw UsageError("-H: bad header name '" + name + "'");
  if (lower(name) == "authorization")
    throw UsageError("-H: oauthlink sends Authorization itself");
  if (value.find_first_of("\r\n") != std::string::npos)
    throw UsageError("-H " + name + ": the value must be one line");
  return {name, value};
}

std::string url_without_query(const std::string& url) {
  return url.substr(0, url.find_first_of("?#"));
}

std::optional<int64_t> parse_time(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed)
          != 6
      || static_cast<size_t>(consumed) != text.size())
    return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm));
}

Credential parse_credential_import(const std::string& text, int64_t now) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    throw UsageError("import: not a JSON object");
  if (doc.contains("credential"))
    doc = doc["credential"];
  if (!doc.is_object())
    throw UsageError("import: 'credential' must be an object");
  Credential c;
  c.id = string_field(doc, "id", false);
  if (!c.id.empty()
      && (c.id.rfind("cred_", 0) != 0 || c.id.size() > 64
          || !std::all_of(c.id.begin(), c.id.end(), [](char ch) {
               return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
             })))
    throw UsageError("import: 'id' must look like cred_…");
  c.app_id = string_field(doc, "oauth_app_id", true);
  c.provider = string_field(doc, "provider", true);
  auto props = doc.find("properties");
  if (props == doc.end() || !props->is_object())
    throw UsageError("import: credential has no 'properties' object");
  c.tokens.access_token = string_field(*props, "access_token", true);
  if (c.tokens.access_token.empty())
    throw UsageError("import: 'access_token' is empty");
  c.tokens.token_type = string_field(*props, "token_type", false);
  if (c.tokens.token_type.empty())
    c.tokens.token_type = "Bearer";
  c.tokens.refresh_token = string_field(*props, "refresh_token", false);
  c.tokens.scope = string_field(*props, "scope", false);
  c.tokens.id_token = string_field(*props, "id_token", false);
  if (auto e = props->find("expires_at"); e != props->end() && !e->is_null()) {
    if (e->is_number_integer())
      c.tokens.expires_at = e->get<int64_t>();
    else if (e->is_string() && parse_time(e->get<std::string>()))
      c.tokens.expires_at = parse_time(e->get<std::string>());
    else
      throw UsageError("import: 'expires_at' must be RFC 3339 UTC (2026-12-03T14:00:00Z) or "
                       "epoch seconds");
  }
  for (const auto& [key, value] : props->items())
    if (key != "kind" && key != "access_token" && key != "token_type" && key != "refresh_token"
        && key != "scope" && key != "id_token" && key != "expires_at")
      c.tokens.extra[key] = value;
  if (auto m = doc.find("metadata"); m != doc.end() && !m->is_null()) {
    if (!m->is_object())
      throw UsageError("import: 'metadata' must be an object");
    c.metadata = *m;
  }
  c.created_at = now;
  if (auto created = doc.find("created_at"); created != doc.end() && created->is_string())
    c.created_at = parse_time(created->get<std::string>()).value_or(now);
  // When the document says it last changed (the export's updated_at), else now.
  c.updated_at = now;
  if (auto updated = doc.find("updated_at"); updated != doc.end() && updated->is_string())
    c.updated_at = parse_time(updated->get<std::string>()).value_or(now);
  return c;
}

std::string account_identity(const Credential& c) {
  for (const char* key : {"sub", "user_id", "id"}) {
    auto it = c.tokens.extra.find(key);
    if (it != c.tokens.extra.end() && (it->is_string() || it->is_number()))
      return std::string("sub:") + (it->is_string() ? it->get<std::string>() : it->dump());
  }
  if (!c.tokens.refresh_token.empty())
    return "rt:" + hex(sha256(c.tokens.refresh_token));
  return "at:" + hex(sha256(c.tokens.access_token));
}

} // namespace oauthlink::flow
