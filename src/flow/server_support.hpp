// SPDX-License-Identifier: MIT
// Request checks and replies shared by the embedded authorization servers (the sandbox and
// the provider emulator): Basic credentials, repeated parameters, OAuth error bodies,
// redirects, acceptable redirect URIs and PKCE challenges. Pure.
#pragma once

#include "flow/http.hpp"
#include "flow/url.hpp"

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace oauthlink::flow {

bool iequals_prefix(std::string_view text, std::string_view prefix);

// The credentials after an auth scheme ("Basic xyz" -> "xyz"), case-insensitive scheme.
std::optional<std::string_view> auth_credentials(std::string_view header, std::string_view scheme);

// RFC 6749 §2.3.1 Basic credentials (form-encoded, then strict base64): {id, secret}.
std::optional<std::pair<std::string, std::string>> parse_basic(std::string_view header);

// RFC 6749 §3.1: true when one of `names` occurs more than once.
bool has_duplicate(const Params& params, std::initializer_list<std::string_view> names);

// Any https URL, or http on a loopback literal or localhost, printable ASCII, no fragment.
std::optional<Url> acceptable_redirect(std::string_view uri);

// S256 challenges are BASE64URL of 32 bytes: exactly 43 characters (RFC 7636 §4.2).
bool is_valid_challenge(std::string_view challenge);

// A no-store JSON reply.
ServerReply json_reply(int status, const nlohmann::json& body);
// RFC 6749 §5.2.
ServerReply oauth_error(std::string_view error, std::string_view description, int status = 400);
ServerReply redirect_to(std::string location);
ServerReply method_not_allowed(std::string_view allow);

} // namespace oauthlink::flow
