// SPDX-License-Identifier: MIT
#include "flow/callback.hpp"

#include "flow/html.hpp"
#include "flow/pkce.hpp"

#include <algorithm>

namespace oauthlink::flow {

namespace {

CallbackResult reject(int status, const std::string& reason) {
  CallbackResult result;
  result.kind = CallbackKind::rejected;
  result.reason = reason;
  result.reply = html_page(status, "Sign-in not accepted",
                           reason
                               + ". This page did not complete the sign-in; "
                                 "oauthlink is still waiting for the right one.");
  return result;
}

bool host_allowed(const std::string& host, const std::vector<std::string>& allowed) {
  std::string lower = host;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::find(allowed.begin(), allowed.end(), lower) != allowed.end();
}

} // namespace

CallbackResult check_callback(const ServerRequest& request, const CallbackExpectation& expected) {
  CallbackResult result;
  // B4: only GET on the exact path belongs to the flow; everything else is a 404.
  if (request.method != "GET" || request.path != expected.path) {
    result.kind = CallbackKind::stray;
    result.reason = "not the callback path";
    result.reply = html_page(404, "Not found", "This address is not part of the sign-in.");
    return result;
  }
  // B3: DNS-rebinding guard.
  auto host = find_header(request.headers, "Host");
  if (!host || !host_allowed(*host, expected.allowed_hosts))
    return reject(421, "unexpected Host header");

  auto params = parse_form(request.query);
  if (!params)
    return reject(400, "state mismatch (malformed query)");
  // RFC 6749 §3.1: a response parameter must not appear twice; which copy would count?
  for (const char* name : {"state", "code", "iss", "error"}) {
    int count = 0;
    for (const auto& [key, value] : *params)
      count += key == name;
    if (count > 1)
      return reject(400, std::string("state mismatch (repeated '") + name + "' parameter)");
  }

  // A2/A3: the state binds this callback to this flow; compared in constant time.
  auto state = find_param(*params, "state");
  if (!state || !constant_time_equal(*state, expected.state))
    return reject(400, "state mismatch");

  // A5: iss, when present, must equal the issuer exactly; required when advertised.
  // Checked before acting on anything else, including an error.
  auto iss = find_param(*params, "iss");
  if (iss && !expected.issuer.empty() && *iss != expected.issuer)
    return reject(400, "issuer mismatch (iss)");
  if (!iss && expected.iss_required)
    return reject(400, "missing iss parameter");

  for (const auto& name : expected.keep)
    if (auto value = find_param(*params, name))
      result.kept.emplace_back(name, *value);

  if (auto error = find_param(*params, "error")) {
    result.kind = CallbackKind::error;
    result.error.error = *error;
    result.error.description = find_param(*params, "error_description").value_or("");
    result.error.uri = find_param(*params, "error_uri").value_or("");
    result.reply = failure_page("Sign-in failed", result.error.message());
    return result;
  }
  auto code = find_param(*params, "code");
  if (!code || code->empty())
    return reject(400, "callback has neither code nor error");
  result.kind = CallbackKind::code;
  result.code = *code;
  return result;
}

ServerReply success_page(const std::string& provider_name) {
  return html_page(200, "Connected to " + provider_name,
                   "oauthlink received the credential. You can close this window and return "
                   "to the terminal.");
}

ServerReply failure_page(const std::string& title, const std::string& message) {
  return html_page(400, title,
                   message + ". You can close this window; details are in the terminal.");
}

} // namespace oauthlink::flow
