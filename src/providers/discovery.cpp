// SPDX-License-Identifier: MIT
#include "providers/discovery.hpp"

#include "error.hpp"
#include "providers/json_limits.hpp"

#include <nlohmann/json.hpp>

namespace oauthlink::providers {

std::vector<std::string> metadata_urls(const std::string& issuer) {
  std::string base = issuer;
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  auto scheme = base.find("://");
  auto path_start = scheme == std::string::npos ? std::string::npos : base.find('/', scheme + 3);
  std::string origin = path_start == std::string::npos ? base : base.substr(0, path_start);
  std::string path = path_start == std::string::npos ? "" : base.substr(path_start);
  std::vector<std::string> urls;
  urls.push_back(origin + "/.well-known/oauth-authorization-server" + path);
  urls.push_back(base + "/.well-known/openid-configuration");
  if (!path.empty())
    urls.push_back(origin + "/.well-known/openid-configuration" + path);
  return urls;
}

Metadata parse_metadata(const std::string& body, const std::string& expected_issuer) {
  if (!json_nesting_within(body))
    throw CatalogError("discovery: metadata of " + expected_issuer + " nests deeper than "
                       + std::to_string(k_max_json_depth) + " levels");
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    throw CatalogError("discovery: metadata of " + expected_issuer + " is not a JSON object");
  auto text = [&](const char* key) {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto list = [&](const char* key) {
    std::vector<std::string> out;
    auto it = doc.find(key);
    if (it != doc.end() && it->is_array())
      for (const auto& item : *it)
        if (item.is_string())
          out.push_back(item.get<std::string>());
    return out;
  };
  Metadata m;
  m.issuer = text("issuer");
  if (m.issuer != expected_issuer) {
    auto trim = [](std::string s) {
      while (!s.empty() && s.back() == '/')
        s.pop_back();
      return s;
    };
    std::string hint =
        !m.issuer.empty() && trim(m.issuer) == trim(expected_issuer)
            ? "; the issuer is '" + m.issuer + "' exactly: re-add the app with --issuer " + m.issuer
            : "";
    throw CatalogError("discovery: metadata issuer '" + m.issuer + "' does not equal '"
                       + expected_issuer + "' (RFC 8414 §3.3)" + hint);
  }
  m.authorization_endpoint = text("authorization_endpoint");
  m.token_endpoint = text("token_endpoint");
  m.userinfo_endpoint = text("userinfo_endpoint");
  m.revocation_endpoint = text("revocation_endpoint");
  m.device_authorization_endpoint = text("device_authorization_endpoint");
  m.code_challenge_methods = list("code_challenge_methods_supported");
  m.token_auth_methods = list("token_endpoint_auth_methods_supported");
  auto iss = doc.find("authorization_response_iss_parameter_supported");
  m.iss_parameter_supported = iss != doc.end() && iss->is_boolean() && iss->get<bool>();
  if (m.authorization_endpoint.empty() || m.token_endpoint.empty())
    throw CatalogError("discovery: metadata of " + expected_issuer
                       + " lacks authorization_endpoint or token_endpoint");
  return m;
}

} // namespace oauthlink::providers
