// SPDX-License-Identifier: MIT
// Randomness from the OS CSPRNG (OpenSSL RAND_bytes). Does I/O.
#pragma once

#include <string>

namespace oauthlink::sys {

// n random bytes; throws Error if the CSPRNG fails.
std::string random_bytes(size_t n);
// n characters of [A-Za-z0-9-_] (6 bits each): 32 chars = 192 bits.
std::string random_urlsafe(size_t n);
// "prefix_" + 24 lowercase base32 characters (120 bits), e.g. app_…, cred_….
std::string random_id(const std::string& prefix);

} // namespace oauthlink::sys
