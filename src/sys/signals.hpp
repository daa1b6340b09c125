// SPDX-License-Identifier: MIT
// SIGINT/SIGTERM turned into a flag the flow polls, and core dumps disabled. Does I/O.
#pragma once

namespace oauthlink::sys {

// Installs handlers for SIGINT and SIGTERM and sets RLIMIT_CORE to 0 (secrets in memory).
void install_signal_handlers();
bool interrupted();

} // namespace oauthlink::sys
