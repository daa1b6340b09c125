// SPDX-License-Identifier: MIT
// Secrets at rest: AES-256-GCM (OpenSSL EVP) with a fresh random 96-bit nonce per value and
// the value's identity (table, row, field) as additional authenticated data, so a sealed
// value cannot be moved to another row or field. No I/O beyond the CSPRNG.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace oauthlink::store {

using Key = std::array<unsigned char, 32>;

// A key from text: 64 hex digits, or base64 (standard or URL-safe, padding optional) of
// exactly 32 bytes, surrounding whitespace ignored; nullopt for anything else.
std::optional<Key> parse_key(const std::string& text);
// The 64 hex digits of a key (what a key file holds).
std::string key_to_hex(const Key& key);

// Sealed values are "v1:" + base64(nonce || ciphertext || tag).
bool is_sealed(const std::string& value);
// Throws Error if the CSPRNG or OpenSSL fails.
std::string seal(const Key& key, const std::string& plaintext, const std::string& aad);
// nullopt when the value is malformed, or was sealed with another key or another aad.
std::optional<std::string> unseal(const Key& key, const std::string& sealed,
                                  const std::string& aad);

} // namespace oauthlink::store
