// SPDX-License-Identifier: MIT
// The store's encryption key: $OAUTHLINK_KEY, else a key file created on first use.
// Does I/O (environment, files).
#pragma once

#include "store/crypto.hpp"

#include <string>

namespace oauthlink::store {

struct StoreKey {
  Key key{};
  std::string source; // "OAUTHLINK_KEY" or "file <path>", for messages and `status`
};

// Where the key file of the store in store_dir lives: $XDG_CONFIG_HOME/oauthlink/key
// (~/.config/oauthlink/key) for the default store, <store_dir>/key for a store placed with
// --home or $OAUTHLINK_HOME.
std::string key_file_path(const std::string& store_dir);

// $OAUTHLINK_KEY when set (StoreError if malformed), else the key file, created 0600 with
// 32 random bytes if missing (O_EXCL, published with link(2) so a racing process reads a
// whole key). A loose, foreign or symlinked key file is refused (StoreError).
StoreKey load_store_key(const std::string& store_dir);

} // namespace oauthlink::store
