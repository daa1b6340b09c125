// SPDX-License-Identifier: MIT
// One registration function per command group; each adds its subcommands to the CLI11 app
// and runs them through the shared AppContext.
#pragma once

#include "cli/app_context.hpp"

#include <CLI/CLI.hpp>

namespace oauthlink::cli {

void register_providers(CLI::App& root, AppContext& ctx);
void register_apps(CLI::App& root, AppContext& ctx);
void register_redirects(CLI::App& root, AppContext& ctx);
void register_connect(CLI::App& root, AppContext& ctx);
void register_credentials(CLI::App& root, AppContext& ctx);
void register_sandbox(CLI::App& root, AppContext& ctx);

// Parses KEY=VALUE pairs of --set; throws UsageError on a malformed one.
providers::StringMap parse_settings(const std::vector<std::string>& pairs);

} // namespace oauthlink::cli
