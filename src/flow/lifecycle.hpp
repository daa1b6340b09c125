// SPDX-License-Identifier: MIT
// A credential's life after connect: revocation (RFC 7009), verification at userinfo,
// API requests with the token, health records, and import of the DESIGN.md credential
// shape. Pure: builds requests, reads answers, no I/O.
#pragma once

#include "flow/credential.hpp"
#include "flow/http.hpp"
#include "providers/provider.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oauthlink::flow {

// Lower-case hex of bytes.
std::string hex(std::string_view bytes);

// The Authorization header value: "Bearer <token>" (token_type case-insensitive, a missing
// one is Bearer, RFC 6749 §7.1, SECURITY.md D3), else the provider's scheme.
std::string authorization_value(const TokenSet& tokens);

// RFC 7009 §2.1 requests, refresh token first (revoking it usually ends the access token
// too), then the access token; client authentication as at the token endpoint.
std::vector<HttpRequest> build_revocation_requests(const providers::Provider& provider,
                                                   const App& app, const TokenSet& tokens);

// RFC 7009 §2.2: 200 is success even for an unknown token; anything else is an error.
// nullopt on success, else a message without secrets ("HTTP 503: temporarily_unavailable").
std::optional<std::string> revocation_failure(const HttpResponse& response);

// GET userinfo_url with the token.
HttpRequest build_userinfo_request(const std::string& userinfo_url, const TokenSet& tokens);

enum class Verdict { accepted, rejected, failed };
// 2xx accepted; 401/403 rejected (the token is not good); anything else failed (the
// provider could not tell).
Verdict classify_userinfo(const HttpResponse& response);

// Records on metadata[field] = {"status": ok|failed, "at": RFC 3339, "reason"?}.
void record_result(Credential& credential, const std::string& field, bool ok, int64_t now,
                   const std::string& reason);

// The provider API URL for PATH: api_base_url with {placeholders} filled from the
// credential's kept string properties and the app's settings, then PATH ("/user" or
// "user"). A PATH that is a whole URL must start with that base. Throws UsageError.
std::string api_url(const providers::Provider& provider, const App& app,
                    const Credential& credential, const std::string& path);

// Parses "Name: value" for -H; throws UsageError when malformed or when it sets
// Authorization (the token is ours to send).
std::pair<std::string, std::string> parse_header_arg(const std::string& text);

// A credential from the DESIGN.md shape: {"credential": {...}} or the bare object.
// Requires provider, oauth_app_id and properties.access_token; expires_at is RFC 3339 or
// epoch seconds. Throws UsageError naming the bad field. The id is kept when present.
Credential parse_credential_import(const std::string& text, int64_t now);

// A stable identity of the account a credential belongs to, for idempotent import (with
// provider and app): "sub:<value>" from a kept sub / user_id / id property,
// else "rt:<sha256 of the refresh token>", else "at:<sha256 of the access token>".
std::string account_identity(const Credential& credential);

// The URL without query or fragment, for messages (a query may carry secrets).
std::string url_without_query(const std::string& url);

// Unix seconds of an RFC 3339 UTC time ("2026-12-03T14:00:00Z"); nullopt if malformed.
std::optional<int64_t> parse_time(const std::string& text);

} // namespace oauthlink::flow
