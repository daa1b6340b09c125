// SPDX-License-Identifier: MIT
// How the provider emulator writes answers in a catalog dialect (error shape, token
// nesting, success flag, body format) and the overlay that points an entry at it. Pure.
#pragma once

#include "flow/http.hpp"
#include "flow/url.hpp"
#include "providers/provider.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oauthlink::flow {

// Writes value at a dot path ("team.id"), creating objects on the way.
void set_json_path(nlohmann::json& doc, const std::string& path, nlohmann::json value);

// A JSON object of strings (a JSON token request) as parameters; nullopt otherwise.
std::optional<Params> json_body_params(const std::string& body);

// An OAuth error in the provider's shape: inside HTTP 200 with the success flag false,
// a form body for a form dialect, else RFC 6749 §5.2 JSON; 401 adds WWW-Authenticate.
ServerReply dialect_error_reply(const providers::Provider& dialect, int status,
                                std::string_view error, std::string_view description);

// A token answer: `tokens` at the dialect's token_path, `kept` (nested like the keep
// paths) merged at the top, the success flag set, in the dialect's body format.
ServerReply dialect_token_reply(const providers::Provider& dialect, const nlohmann::json& tokens,
                                const nlohmann::json& kept);

// A user-catalog overlay (TOML) that points the entry's endpoints at base_url, keeping
// each URL's {placeholders} as path segments so templates are still filled and checked.
std::string emulator_overlay(const providers::Provider& entry, const std::string& base_url);

// The scope parameter split by the dialect's separator; absent -> the default scopes; a
// value joined with another separator -> nullopt and `why` (a "+" separator arrives as
// form-encoded spaces).
std::optional<std::vector<std::string>> read_dialect_scope(const providers::Provider& dialect,
                                                           const std::optional<std::string>& value,
                                                           std::string& why);

// The emulator's consent page for one pending authorization request (Approve / Deny).
ServerReply emulator_consent_page(const providers::Provider& dialect, const std::string& client_id,
                                  const std::vector<std::string>& scopes,
                                  const std::string& request_id);

} // namespace oauthlink::flow
