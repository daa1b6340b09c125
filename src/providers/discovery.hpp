// SPDX-License-Identifier: MIT
// RFC 8414 / OpenID Connect discovery: the metadata URLs to try and the parse of the answer.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace oauthlink::providers {

struct Metadata {
  std::string issuer;
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string userinfo_endpoint;
  std::string revocation_endpoint;
  std::string device_authorization_endpoint;
  std::vector<std::string> code_challenge_methods;
  std::vector<std::string> token_auth_methods;
  bool iss_parameter_supported = false;
};

// The well-known URLs for an issuer, in the order to try: RFC 8414 §3.1 inserts the
// suffix between host and path; OpenID Discovery §4 appends it.
std::vector<std::string> metadata_urls(const std::string& issuer);

// Parses a metadata document and checks that its issuer equals `expected_issuer` exactly
// (RFC 8414 §3.3). Throws CatalogError on a mismatch or missing endpoint.
Metadata parse_metadata(const std::string& body, const std::string& expected_issuer);

} // namespace oauthlink::providers
