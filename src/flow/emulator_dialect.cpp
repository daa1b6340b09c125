// SPDX-License-Identifier: MIT
#include "flow/emulator_dialect.hpp"

#include "flow/authorize_url.hpp"
#include "flow/html.hpp"
#include "flow/server_support.hpp"
#include "providers/template.hpp"

namespace oauthlink::flow {

using json = nlohmann::json;
using providers::BodyFormat;

namespace {

std::string toml_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text)
    out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  return out + "\"";
}

} // namespace

void set_json_path(json& doc, const std::string& path, nlohmann::json value) {
  nlohmann::json* node = &doc;
  size_t pos = 0;
  for (size_t dot; (dot = path.find('.', pos)) != std::string::npos; pos = dot + 1) {
    nlohmann::json& next = (*node)[path.substr(pos, dot - pos)];
    if (!next.is_object())
      next = nlohmann::json::object();
    node = &next;
  }
  (*node)[path.substr(pos)] = std::move(value);
}

std::optional<Params> json_body_params(const std::string& body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return std::nullopt;
  Params out;
  for (const auto& [key, value] : doc.items()) {
    if (!value.is_string())
      return std::nullopt;
    out.emplace_back(key, value.get<std::string>());
  }
  return out;
}

ServerReply dialect_error_reply(const providers::Provider& dialect, int status,
                                std::string_view error, std::string_view description) {
  const auto& r = dialect.response;
  ServerReply reply;
  if (!r.success_field.empty()) {
    json doc = json::object();
    set_json_path(doc, r.success_field, false);
    doc["error"] = error;
    reply = json_reply(200, doc);
  } else if (r.format == BodyFormat::form) {
    reply.status = status;
    reply.content_type = "application/x-www-form-urlencoded";
    reply.headers = {{"Cache-Control", "no-store"}};
    reply.body = form_encode(
        {{"error", std::string(error)}, {"error_description", std::string(description)}});
  } else {
    reply = oauth_error(error, description, status);
  }
  if (status == 401)
    reply.headers.emplace_back("WWW-Authenticate", "Basic realm=\"emulator\"");
  return reply;
}

ServerReply dialect_token_reply(const providers::Provider& dialect, const json& tokens,
                                const json& kept) {
  const auto& r = dialect.response;
  json doc = r.token_path.empty() ? tokens : json::object();
  if (!r.token_path.empty())
    set_json_path(doc, r.token_path, tokens);
  doc.merge_patch(kept); // RFC 7386: nested objects merge, so "team.id" joins "team"
  if (!r.success_field.empty())
    set_json_path(doc, r.success_field, true);
  if (r.format != BodyFormat::form)
    return json_reply(200, doc);
  Params form;
  for (const auto& [key, value] : doc.items())
    form.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
  ServerReply reply;
  reply.content_type = "application/x-www-form-urlencoded";
  reply.headers = {{"Cache-Control", "no-store"}};
  reply.body = form_encode(form);
  return reply;
}

namespace {

std::string toml_map(const providers::StringMap& map) {
  std::string out = "{ ";
  for (const auto& [key, value] : map)
    out += (out.size() > 2 ? ", " : "") + toml_string(key) + " = " + toml_string(value);
  return out + " }";
}

// base_url, then each of the URL's {placeholders} as a path segment, then the endpoint.
std::string pointed(const std::string& url, const std::string& base_url,
                    const std::string& endpoint) {
  std::string prefix;
  for (const auto& name : providers::template_names(url))
    prefix += "/{" + name + "}";
  return toml_string(base_url + prefix + "/" + endpoint);
}

// The entry's (or an environment's) endpoint URLs, those it sets, pointed at base_url.
template <typename Endpoints>
std::string pointed_endpoints(const Endpoints& e, const std::string& base_url) {
  std::string out;
  auto line = [&](const char* key, const std::string& url, const char* endpoint) {
    if (!url.empty())
      out += std::string(key) + " = " + pointed(url, base_url, endpoint) + "\n";
  };
  line("authorization_url", e.authorization_url, "authorize");
  line("token_url", e.token_url, "token");
  line("refresh_url", e.refresh_url, "refresh");
  line("revocation_url", e.revocation_url, "revoke");
  line("userinfo_url", e.userinfo_url, "userinfo");
  line("device_authorization_url", e.device_authorization_url, "device");
  // The API base too, so `oauthlink api` never sends an emulated token to the provider.
  line("api_base_url", e.api_base_url, "api");
  return out;
}

} // namespace

std::string emulator_overlay(const providers::Provider& entry, const std::string& base_url) {
  std::string out = "# oauthlink sandbox --dialect " + entry.slug
                    + ": the catalog entry's "
                      "endpoints, pointed at the emulator on "
                    + base_url + "\n";
  out += "[" + entry.slug + "]\n" + pointed_endpoints(entry, base_url);
  // An overlay replaces a table or array whole: every environment and request is
  // written again in full, its URLs pointed at the emulator.
  for (const auto& [name, env] : entry.environments) {
    out += "\n[" + entry.slug + ".environments." + name + "]\n"
           + pointed_endpoints(env, base_url + "/env/" + name);
    if (!env.issuer.empty())
      out += "issuer = " + toml_string(env.issuer) + "\n";
    if (!env.template_defaults.empty())
      out += "template_defaults = " + toml_map(env.template_defaults) + "\n";
    if (!env.authorize_params.empty())
      out += "authorize_params = " + toml_map(env.authorize_params) + "\n";
  }
  for (size_t i = 0; i < entry.post_authorization.size(); ++i) {
    const auto& request = entry.post_authorization[i];
    providers::StringMap keep(request.keep.begin(), request.keep.end());
    out += "\n[[" + entry.slug + ".post_authorization]]\nmethod = " + toml_string(request.method)
           + "\nurl = " + pointed(request.url, base_url, "post-auth/" + std::to_string(i))
           + "\nauth_scheme = " + toml_string(request.auth_scheme) + "\n";
    if (!request.headers.empty())
      out += "headers = " + toml_map(request.headers) + "\n";
    out +=
        "keep = " + toml_map(keep) + "\nrequired = " + (request.required ? "true" : "false") + "\n";
  }
  return out;
}

// The scope parameter, split by the dialect's separator; a value joined with another
// separator is refused (a "+" separator arrives as form-encoded spaces).
std::optional<std::vector<std::string>> read_dialect_scope(const providers::Provider& dialect,
                                                           const std::optional<std::string>& value,
                                                           std::string& why) {
  if (!value)
    return dialect.default_scopes;
  char sep = dialect.scope_separator == "," ? ',' : ' ';
  char wrong = sep == ',' ? ' ' : ',';
  if (value->find(wrong) != std::string::npos) {
    why = "scope is separated by '" + std::string(1, wrong) + "'; this provider expects '"
          + dialect.scope_separator + "'";
    return std::nullopt;
  }
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= value->size()) {
    size_t end = value->find(sep, pos);
    if (end == std::string::npos)
      end = value->size();
    if (end > pos)
      out.push_back(value->substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

ServerReply emulator_consent_page(const providers::Provider& dialect, const std::string& client_id,
                                  const std::vector<std::string>& scopes,
                                  const std::string& request_id) {
  std::string body = "<p>The emulated <b>" + html_escape(dialect.name)
                     + "</b> asks you to approve the application <code>" + html_escape(client_id)
                     + "</code> for the scopes <code>" + html_escape(join_scopes(scopes, " "))
                     + "</code>.</p>\n<form method=\"post\" action=\"authorize/decision\">"
                       "<input type=\"hidden\" name=\"request\" value=\""
                     + html_escape(request_id)
                     + "\"><button type=\"submit\" name=\"decision\" value=\"approve\">Approve"
                       "</button> <button type=\"submit\" name=\"decision\" value=\"deny\">"
                       "Deny</button></form>";
  auto reply = html_page_raw(200, "Authorize (" + dialect.name + " emulator)", body);
  // The redirect after the POST must be allowed by form-action (any loopback or https).
  for (auto& [name, value] : reply.headers)
    if (name == "Content-Security-Policy")
      value = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; "
              "frame-ancestors 'none'";
  return reply;
}

} // namespace oauthlink::flow
