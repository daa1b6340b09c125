// SPDX-License-Identifier: MIT
// Where things live: the store's directory, the catalog, the executable. Does I/O.
#pragma once

#include <string>

namespace oauthlink::sys {

// --home, else $OAUTHLINK_HOME, else $XDG_DATA_HOME/oauthlink, else ~/.local/share/oauthlink.
std::string data_dir(const std::string& flag);
// $XDG_CONFIG_HOME/oauthlink, else ~/.config/oauthlink; "" when neither is set.
std::string config_dir();
// --catalog, else $OAUTHLINK_CATALOG, else <exe>/../share/oauthlink/providers.toml, else the
// source tree's share/ next to a build directory, else the compiled-in data directory.
std::string catalog_path(const std::string& flag, const std::string& compiled_datadir);
// Reads a whole file; throws Error naming the path.
std::string read_file(const std::string& path);
bool file_exists(const std::string& path);

} // namespace oauthlink::sys
