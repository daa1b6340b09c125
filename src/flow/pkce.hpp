// SPDX-License-Identifier: MIT
// PKCE (RFC 7636) and the encodings it needs. Pure: randomness comes in as input.
#pragma once

#include <string>
#include <string_view>

namespace oauthlink::flow {

// BASE64URL without '=' padding (RFC 7636 Appendix A).
std::string base64url(std::string_view bytes);
std::string base64(std::string_view bytes);

// SHA-256 digest bytes.
std::string sha256(std::string_view data);

// BASE64URL(SHA256(verifier)). Throws Error if the verifier is not 43-128 unreserved chars.
std::string pkce_challenge_s256(std::string_view verifier);

// True if text is 43-128 characters of [A-Za-z0-9-._~] (RFC 7636 §4.1).
bool is_valid_verifier(std::string_view text);

// Compares two strings in time that depends only on their lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

} // namespace oauthlink::flow
