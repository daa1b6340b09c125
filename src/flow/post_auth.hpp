// SPDX-License-Identifier: MIT
// Post-authorization requests (catalog `post_authorization`): after the code exchange,
// requests sent with the new access token whose JSON answers give values to keep on the
// credential (an account id, the API host). Building and reading them is pure; running
// them goes through the HttpClient interface.
#pragma once

#include "flow/credential.hpp"
#include "flow/http.hpp"
#include "flow/interfaces.hpp"
#include "flow/url.hpp"
#include "providers/provider.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <variant>
#include <vector>

namespace oauthlink::flow {

// The request with its URL filled from `values` (kept so far, then settings) and
// `defaults`, and "Authorization: <auth_scheme> <access token>". Throws UsageError for a
// placeholder nothing fills, Error for a filled URL that is not https (or loopback http).
HttpRequest build_post_auth_request(const providers::PostAuthRequest& request,
                                    const std::string& access_token,
                                    const providers::StringMap& values,
                                    const providers::StringMap& defaults);

// The value at a dot path: a number indexes an array; a name met on an array applies to
// its first element ("resources.id" == "resources.0.id"). nullptr when absent.
const nlohmann::json* json_at_path(const nlohmann::json& doc, const std::string& path);

// The kept values of a 2xx JSON answer (an object name -> value), or why it gave none:
// the HTTP status, a body that is not JSON, or a path that is absent. Never the body.
std::variant<nlohmann::json, std::string>
extract_post_auth(const providers::PostAuthRequest& request, const HttpResponse& response);

struct PostAuthOutcome {
  nlohmann::json kept = nlohmann::json::object();
  std::vector<std::string> warnings;
};

// Runs the provider's post-authorization requests in catalog order; values kept by one
// fill the URLs of the next. A failing request marked `required` throws ProviderError;
// any other failure is a warning and the credential is kept without its values.
// `callback_kept` and tokens.extra provide the values known before the first request.
PostAuthOutcome run_post_authorization(const providers::Provider& provider, const TokenSet& tokens,
                                       const Params& callback_kept, HttpClient& http);

} // namespace oauthlink::flow
