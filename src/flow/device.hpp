// SPDX-License-Identifier: MIT
// The device authorization grant (RFC 8628): the device request, and polling the token
// endpoint at the server's pace (SECURITY.md A12). Pure: time and sleep come in.
#pragma once

#include "flow/credential.hpp"
#include "flow/interfaces.hpp"
#include "providers/provider.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

namespace oauthlink::flow {

struct DeviceAuthorization {
  std::string device_code;
  std::string user_code;
  std::string verification_uri;
  std::string verification_uri_complete; // "" when the server gives none
  int64_t expires_in = 0;
  int64_t interval = 5; // RFC 8628 §3.2 default
};

HttpRequest build_device_authorization_request(const providers::Provider& provider, const App& app,
                                               const std::string& url,
                                               const std::vector<std::string>& scopes);

std::variant<DeviceAuthorization, OAuthError>
parse_device_authorization(const HttpResponse& response);

struct DevicePorts {
  HttpClient& http;
  std::function<int64_t()> now;       // Unix seconds
  std::function<void(int64_t)> sleep; // waits this many seconds (or until interrupted)
  std::function<bool()> interrupted;
};

// Polls until the user approves: authorization_pending -> go on; slow_down -> 5 s more
// from then on; access_denied or expired_token -> ProviderError; expires_in passed ->
// TimeoutError; Ctrl-C -> Interrupted. The first poll is immediate, then one per interval.
TokenSet poll_device_token(const providers::Provider& provider, const App& app,
                           const DeviceAuthorization& authorization,
                           const std::string& requested_scopes, DevicePorts& ports);

} // namespace oauthlink::flow
