// SPDX-License-Identifier: MIT
#include "flow/device.hpp"

#include "error.hpp"
#include "flow/authorize_url.hpp"
#include "flow/token_exchange.hpp"
#include "providers/json_limits.hpp"

#include <nlohmann/json.hpp>

namespace oauthlink::flow {

HttpRequest build_device_authorization_request(const providers::Provider& provider, const App& app,
                                               const std::string& url,
                                               const std::vector<std::string>& scopes) {
  Params body;
  if (!scopes.empty()) {
    body.emplace_back("scope", join_scopes_for(provider, scopes));
  }
  return build_token_request(provider, app, url, std::move(body), {});
}

std::variant<DeviceAuthorization, OAuthError>
parse_device_authorization(const HttpResponse& response) {
  auto fail = [&](const std::string& why) {
    return OAuthError{"invalid_response", why, "", response.status};
  };
  if (!providers::json_nesting_within(response.body))
    return fail("device authorization answer nests too deep");
  auto doc = nlohmann::json::parse(response.body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return fail("device authorization endpoint answered HTTP " + std::to_string(response.status)
                + " without JSON");
  auto text = [&](const char* key) {
    auto it = doc.find(key);
    return it != doc.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  if (doc.contains("error"))
    return OAuthError{text("error"), text("error_description"), text("error_uri"), response.status};
  DeviceAuthorization a;
  a.device_code = text("device_code");
  a.user_code = text("user_code");
  a.verification_uri = text("verification_uri");
  if (a.verification_uri.empty())
    a.verification_uri = text("verification_url"); // an early draft's name, still seen
  a.verification_uri_complete = text("verification_uri_complete");
  auto number = [&](const char* key, int64_t fallback) {
    auto it = doc.find(key);
    if (it != doc.end() && it->is_number_integer() && it->get<int64_t>() > 0)
      return it->get<int64_t>();
    return fallback;
  };
  a.expires_in = number("expires_in", 0);
  a.interval = number("interval", 5);
  if (a.device_code.empty() || a.user_code.empty() || a.verification_uri.empty()
      || a.expires_in <= 0)
    return fail("device authorization answer lacks device_code, user_code, verification_uri "
                "or expires_in");
  return a;
}

TokenSet poll_device_token(const providers::Provider& provider, const App& app,
                           const DeviceAuthorization& authorization,
                           const std::string& requested_scopes, DevicePorts& ports) {
  const int64_t deadline = ports.now() + authorization.expires_in;
  int64_t interval = authorization.interval;
  Params grant = {{"grant_type", "urn:ietf:params:oauth:grant-type:device_code"},
                  {"device_code", authorization.device_code}};
  for (;;) {
    if (ports.interrupted())
      throw Interrupted("interrupted; nothing was stored");
    int64_t sent_at = ports.now();
    HttpResponse response = ports.http.send(
        build_token_request(provider, app, provider.token_url, grant, provider.token_params));
    TokenResult result = parse_token_response(provider, response, sent_at, requested_scopes);
    if (auto* tokens = std::get_if<TokenSet>(&result))
      return *tokens;
    const auto& error = std::get<OAuthError>(result);
    if (error.error == "slow_down") {
      interval += 5; // RFC 8628 §3.5: for this and all later polls; never fatal
    } else if (error.error != "authorization_pending") {
      if (error.error == "access_denied")
        throw ProviderError("authorization failed: " + error.message());
      if (error.error == "expired_token")
        throw TimeoutError("the device code expired before it was approved");
      throw ProviderError("token endpoint: " + scrub_secrets(error.message(), {app.client_secret}));
    }
    if (ports.now() + interval >= deadline)
      throw TimeoutError("the device code expires before the next poll; nothing was stored");
    ports.sleep(interval);
  }
}

} // namespace oauthlink::flow
