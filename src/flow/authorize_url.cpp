// SPDX-License-Identifier: MIT
#include "flow/authorize_url.hpp"

#include "error.hpp"
#include "flow/pkce.hpp"
#include "flow/url.hpp"
#include "providers/catalog.hpp"
#include "providers/template.hpp"
#include "providers/variants.hpp"

#include <algorithm>

namespace oauthlink::flow {

using providers::Provider;

void require_secure_url(const std::string& url, const std::string& what) {
  auto parsed = parse_url(url);
  if (!parsed)
    throw Error(what + ": '" + url + "' is not an absolute http(s) URL");
  if (parsed->scheme == "http" && !is_loopback_host(parsed->host))
    throw Error(what + ": plain http is allowed only to loopback hosts; use https");
}

Provider resolve_provider(const Provider& entry, const App& app, const providers::StringMap& extra,
                          const providers::Metadata* metadata) {
  // The environment's endpoints replace the entry's before any template is filled.
  Provider p = providers::apply_environment(entry, app.environment);
  providers::StringMap values = app.settings;
  for (const auto& [key, value] : extra)
    values[key] = value;
  if (metadata) {
    p.authorization_url = metadata->authorization_endpoint;
    p.token_url = metadata->token_endpoint;
    if (!metadata->userinfo_endpoint.empty())
      p.userinfo_url = metadata->userinfo_endpoint;
    if (!metadata->revocation_endpoint.empty())
      p.revocation_url = metadata->revocation_endpoint;
    if (!metadata->device_authorization_endpoint.empty())
      p.device_authorization_url = metadata->device_authorization_endpoint;
    p.issuer = metadata->issuer;
  }
  if (!app.authorization_url.empty())
    p.authorization_url = app.authorization_url;
  if (!app.token_url.empty())
    p.token_url = app.token_url;
  if (!app.auth_method.empty()) {
    auto method = providers::parse_auth_method(app.auth_method);
    if (!method)
      throw UsageError("unknown auth method '" + app.auth_method + "'");
    p.auth_method = *method;
  } else if (p.discovery) {
    p.auth_method = app.client_secret.empty() ? providers::AuthMethod::none
                                              : providers::AuthMethod::client_secret_basic;
  }
  for (std::string* url : {&p.authorization_url, &p.token_url, &p.refresh_url, &p.revocation_url,
                           &p.userinfo_url, &p.device_authorization_url}) {
    if (url->empty())
      continue;
    *url = providers::fill_template(*url, values, p.template_defaults);
  }
  if (!p.issuer.empty())
    p.issuer = providers::fill_template(p.issuer, values, p.template_defaults);
  // What the later templates (post-authorization URLs, api_base_url) are filled from.
  for (const auto& [key, value] : values)
    p.template_defaults[key] = value;
  if (p.authorization_url.empty() || p.token_url.empty())
    throw Error("provider '" + p.slug + "': no authorization or token endpoint"
                + std::string(p.discovery ? " (give --issuer)" : ""));
  require_secure_url(p.authorization_url, "authorization endpoint");
  require_secure_url(p.token_url, "token endpoint");
  return p;
}

std::string join_scopes(const std::vector<std::string>& scopes, const std::string& separator) {
  std::string out;
  for (const auto& scope : scopes) {
    if (!out.empty())
      out += separator;
    out += scope;
  }
  return out;
}

std::string join_scopes_for(const Provider& provider, const std::vector<std::string>& scopes) {
  return join_scopes(scopes, provider.scope_separator == "+" ? " " : provider.scope_separator);
}

std::vector<std::string> split_scopes(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text) {
    if (c == ' ' || c == ',' || c == '\t' || c == '\n') {
      if (!current.empty())
        out.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty())
    out.push_back(current);
  return out;
}

std::vector<std::string> effective_scopes(const Provider& provider, const App& app,
                                          const std::vector<std::string>& requested) {
  std::vector<std::string> scopes = !requested.empty()    ? requested
                                    : !app.scopes.empty() ? app.scopes
                                                          : provider.default_scopes;
  bool refresh =
      std::find(provider.grant_types.begin(), provider.grant_types.end(), "refresh_token")
      != provider.grant_types.end();
  if (refresh)
    for (const auto& scope : provider.offline_scopes)
      if (std::find(scopes.begin(), scopes.end(), scope) == scopes.end())
        scopes.push_back(scope);
  return scopes;
}

std::string build_authorize_url(const Provider& provider, const App& app,
                                const AuthorizeRequest& request) {
  Params params;
  // Code flow only (RFC 9700 §2.1.2): response_type is never taken from the catalog.
  params.emplace_back("response_type", "code");
  params.emplace_back(provider.client_id_param, app.client_id);
  params.emplace_back("redirect_uri", request.redirect_uri);
  if (!request.scopes.empty())
    // A "+" separator is a form-encoded space: "%20" decodes to the same value.
    params.emplace_back("scope", join_scopes_for(provider, request.scopes));
  params.emplace_back("state", request.state);
  if (provider.pkce != providers::Pkce::forbidden) {
    params.emplace_back("code_challenge", pkce_challenge_s256(request.code_verifier));
    params.emplace_back("code_challenge_method", "S256");
  }
  for (const auto& [key, value] : provider.authorize_params)
    if (!providers::is_reserved_authorize_param(key))
      params.emplace_back(key, value);
  return append_query(provider.authorization_url, params);
}

} // namespace oauthlink::flow
