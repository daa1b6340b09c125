// SPDX-License-Identifier: MIT
// Token endpoint requests and responses in each provider's dialect (RFC 6749 §4.1.3,
// §5, §6). Pure: builds HttpRequest values and parses HttpResponse values.
#pragma once

#include "flow/credential.hpp"
#include "flow/http.hpp"
#include "flow/url.hpp"
#include "providers/provider.hpp"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace oauthlink::flow {

// A token request: `grant` holds grant_type and its parameters; client authentication,
// body format, Accept header and the provider's extra parameters are added here.
HttpRequest build_token_request(const providers::Provider& provider, const App& app,
                                const std::string& url, Params grant,
                                const providers::StringMap& extra);

// grant_type=authorization_code. redirect_uri must be byte-identical to the one sent in
// the authorization request (RFC 6749 §4.1.3); code_verifier "" when PKCE is forbidden.
HttpRequest build_code_exchange(const providers::Provider& provider, const App& app,
                                const std::string& code, const std::string& redirect_uri,
                                const std::string& code_verifier);

// grant_type=client_credentials (RFC 6749 §4.4): the app acts for itself, no user.
HttpRequest build_client_credentials_request(const providers::Provider& provider, const App& app,
                                             const std::vector<std::string>& scopes);

// grant_type=refresh_token, to the provider's refresh URL.
HttpRequest build_refresh_request(const providers::Provider& provider, const App& app,
                                  const std::string& refresh_token);

using TokenResult = std::variant<TokenSet, OAuthError>;

// Parses a token endpoint answer. `sent_at` is the Unix time the request was sent
// (expiry counts from it, SECURITY.md D5); `requested_scopes` is what was asked for
// (granted = requested when the answer has no scope, RFC 6749 §5.1). Never throws for
// bad provider input: a malformed answer is an OAuthError with error "invalid_response".
TokenResult parse_token_response(const providers::Provider& provider, const HttpResponse& response,
                                 int64_t sent_at, const std::string& requested_scopes);

} // namespace oauthlink::flow
