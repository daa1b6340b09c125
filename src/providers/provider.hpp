// SPDX-License-Identifier: MIT
// One provider's OAuth dialect, as the catalog describes it. Plain data, no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace oauthlink::providers {

enum class AuthMethod { client_secret_post, client_secret_basic, both, none };
enum class BodyFormat { form, json };
enum class Pkce { required, supported, forbidden };
enum class ExpiresUnit { seconds, milliseconds };

using StringMap = std::map<std::string, std::string>;

struct ResponseDialect {
  BodyFormat format = BodyFormat::json; // what the provider answers by default
  std::string success_field;            // e.g. "ok" (Slack): must be true
  std::string token_path;               // dot path of the token object, "" = top level
  ExpiresUnit expires_in_unit = ExpiresUnit::seconds;
  std::optional<int64_t> default_expires_in;
  std::string expires_at_field; // absolute expiry, epoch seconds
  std::string scope_field = "scope";
  // The scheme the token is used with when the provider's token_type is not an HTTP
  // authentication scheme (e.g. "bot"); "" = trust token_type (RFC 6749 §7.1).
  std::string token_type;
  std::vector<std::string> keep; // dot paths kept as credential properties
};

// A named variant of an entry (a sandbox or demo host): the fields it sets replace the
// entry's before templates are filled. Empty strings mean "keep the entry's value".
struct Environment {
  std::string name;
  std::string authorization_url;
  std::string token_url;
  std::string refresh_url;
  std::string revocation_url;
  std::string userinfo_url;
  std::string device_authorization_url;
  std::string api_base_url;
  std::string issuer;
  StringMap template_defaults; // merged over the entry's
  StringMap authorize_params;  // merged over the entry's
  int source_line = 0;
};

// A request made after the code exchange whose JSON answer gives values to keep on the
// credential (an account id, the API host). Sent with the new access token.
struct PostAuthRequest {
  std::string method = "GET";
  std::string url;                    // {placeholders}: settings, defaults and kept values
  std::string auth_scheme = "Bearer"; // Authorization: <scheme> <access token>
  StringMap headers;
  // property name -> dot path in the answer; a number indexes an array, and a name met
  // on an array applies to its first element.
  std::vector<std::pair<std::string, std::string>> keep;
  bool required = false; // true: a failure fails connect; false: warn and keep the credential
  int source_line = 0;
};

struct Provider {
  std::string slug;
  std::string name;
  std::string docs;
  std::string authorization_url; // may hold {placeholders}
  std::string token_url;
  std::string refresh_url; // "" = token_url
  std::string revocation_url;
  std::string userinfo_url;
  std::string device_authorization_url; // RFC 8628 §3.1, "" = no device grant
  std::string api_base_url;
  std::string issuer;     // RFC 9207 iss expected in the callback, "" = unknown
  bool discovery = false; // endpoints come from an issuer's metadata (oidc)
  std::vector<std::string> grant_types;
  AuthMethod auth_method = AuthMethod::client_secret_post;
  BodyFormat token_request_format = BodyFormat::form;
  std::string client_id_param = "client_id";
  std::string scope_separator = " ";
  std::vector<std::string> default_scopes;
  std::vector<std::string> offline_scopes;
  Pkce pkce = Pkce::supported;
  StringMap authorize_params;
  StringMap token_params;
  StringMap refresh_params;
  StringMap template_defaults;
  bool refresh_token_rotation = false;
  bool tokens_expire = true;
  ResponseDialect response;
  std::vector<std::string> callback_keep;
  std::map<std::string, Environment> environments;
  std::vector<PostAuthRequest> post_authorization;
  int source_line = 0; // where the entry starts in its catalog file
};

std::string to_string(AuthMethod method);
std::optional<AuthMethod> parse_auth_method(const std::string& text);
std::string to_string(Pkce pkce);
std::string to_string(BodyFormat format);

} // namespace oauthlink::providers
