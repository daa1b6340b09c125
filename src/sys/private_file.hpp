// SPDX-License-Identifier: MIT
// Writing a file only its owner may read (0600, in a 0700 directory it creates), replaced
// atomically (SECURITY.md E3, E4). Does I/O.
#pragma once

#include <string>

namespace oauthlink::sys {

// Writes text to path: a 0600 temporary file in the same directory (O_EXCL|O_NOFOLLOW,
// fchmod against the umask), fsync, rename over path, fsync the directory. A missing
// directory is created 0700. Throws Error naming the path (never the content).
void write_private_file(const std::string& path, const std::string& text);

} // namespace oauthlink::sys
