// SPDX-License-Identifier: MIT
#include "sys/random.hpp"

#include "error.hpp"

#include <openssl/rand.h>

namespace oauthlink::sys {

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw Error("random: the system CSPRNG failed");
  return out;
}

namespace {

std::string random_from(const char* alphabet, unsigned bits, size_t n) {
  std::string bytes = random_bytes(n);
  std::string out;
  out.reserve(n);
  unsigned mask = (1u << bits) - 1;
  for (char b : bytes)
    out += alphabet[static_cast<unsigned char>(b) & mask]; // alphabet size = 2^bits: no bias
  return out;
}

} // namespace

std::string random_urlsafe(size_t n) {
  return random_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 6, n);
}

std::string random_id(const std::string& prefix) {
  return prefix + "_" + random_from("abcdefghijklmnopqrstuvwxyz234567", 5, 24);
}

} // namespace oauthlink::sys
