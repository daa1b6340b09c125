// SPDX-License-Identifier: MIT
// Validation of the redirect that brings the browser back to the loopback server
// (RFC 6749 §4.1.2, RFC 9207, RFC 8252 §7.3, SECURITY.md A2-A6, B3, B4). Pure.
#pragma once

#include "flow/credential.hpp"
#include "flow/http.hpp"
#include "flow/url.hpp"

#include <string>
#include <vector>

namespace oauthlink::flow {

struct CallbackExpectation {
  std::string path;                       // e.g. "/callback/github"
  std::vector<std::string> allowed_hosts; // Host header values, e.g. "127.0.0.1:53122"
  std::string state;                      // the flow's state
  std::string issuer;                     // expected iss, "" when unknown
  bool iss_required = false;              // metadata advertised the iss parameter
  std::vector<std::string> keep;          // extra query parameters to keep
};

enum class CallbackKind {
  stray,    // not for the flow (wrong path, method, favicon): 404, keep waiting
  rejected, // for the flow but invalid (state, host, iss): 4xx, keep waiting
  code,     // a valid authorization code
  error,    // a valid error response from the provider: the flow ends
};

struct CallbackResult {
  CallbackKind kind = CallbackKind::stray;
  ServerReply reply;  // the page for stray/rejected requests
  std::string reason; // why it was rejected (no secrets in it)
  std::string code;
  OAuthError error;
  Params kept; // values of `keep` found in the query
};

// Classifies one request. Never throws.
CallbackResult check_callback(const ServerRequest& request, const CallbackExpectation& expected);

// The pages shown to the browser when the flow ends.
ServerReply success_page(const std::string& provider_name);
ServerReply failure_page(const std::string& title, const std::string& message);

} // namespace oauthlink::flow
