// SPDX-License-Identifier: MIT
#include "flow/pkce.hpp"

#include "error.hpp"
#include "flow/url.hpp"

#include <openssl/sha.h>

namespace oauthlink::flow {

namespace {

std::string encode64(std::string_view bytes, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    unsigned n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    unsigned n = byte(i) << 16;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    if (pad)
      out += "==";
  } else if (rest == 2) {
    unsigned n = (byte(i) << 16) | (byte(i + 1) << 8);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    if (pad)
      out += '=';
  }
  return out;
}

} // namespace

std::string base64url(std::string_view bytes) {
  return encode64(bytes, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", false);
}

std::string base64(std::string_view bytes) {
  return encode64(bytes, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", true);
}

std::string sha256(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

bool is_valid_verifier(std::string_view text) {
  return text.size() >= 43 && text.size() <= 128 && is_unreserved_text(text);
}

std::string pkce_challenge_s256(std::string_view verifier) {
  if (!is_valid_verifier(verifier))
    throw Error("pkce: code_verifier must be 43-128 characters of [A-Za-z0-9-._~]");
  return base64url(sha256(verifier));
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Lengths are not secret (they follow from the format); contents are.
  if (a.size() != b.size())
    return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

} // namespace oauthlink::flow
