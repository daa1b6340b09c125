// SPDX-License-Identifier: MIT
// Files and directories trusted with secrets (SECURITY.md E3): created 0600 / 0700 whatever
// the umask, never through a symlink, refused when loose, foreign or linked. Does I/O.
#pragma once

#include <string>

namespace oauthlink::store {

enum class PathKind { file, directory };

// Throws StoreError unless path is ours, not a symlink, of that kind, and has no group or
// other permission bits; the message says which chmod fixes it.
void check_private(const std::string& path, PathKind kind);
// Creates each missing component 0700. Throws StoreError.
void make_dirs(const std::string& dir);
// Creates each missing component 0700, then checks the last one is private.
void make_private_dir(const std::string& dir);
// Creates the file 0600 if missing (O_NOFOLLOW), then checks it is private.
void make_private_file(const std::string& path);
// True when the file's owner-write bit is off: the user made it read-only.
bool is_read_only(const std::string& path);

} // namespace oauthlink::store
