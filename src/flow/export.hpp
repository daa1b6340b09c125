// SPDX-License-Identifier: MIT
// Credentials as environment variables, in the formats scripts consume: POSIX shell
// assignments, dotenv, GitHub Actions, an HTTP header (SECURITY.md E8). Pure.
#pragma once

#include "flow/credential.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace oauthlink::flow {

using EnvVars = std::vector<std::pair<std::string, std::string>>;

// PREFIX_ACCESS_TOKEN, PREFIX_TOKEN_TYPE, PREFIX_REFRESH_TOKEN, PREFIX_EXPIRES_AT,
// PREFIX_SCOPE, then each kept provider value (PREFIX_INSTANCE_URL, …). The prefix
// defaults to the provider slug in upper case with '-' as '_'.
EnvVars credential_env(const Credential& credential, const std::string& prefix);
std::string default_env_prefix(const std::string& provider);
// The variables of several credentials, each under `prefix` (nullopt: its provider's
// default). Throws UsageError when two would set the same name.
EnvVars credentials_env(const std::vector<Credential>& credentials,
                        const std::optional<std::string>& prefix);

// 'a'\''b' quoting: safe for any byte sequence in sh, bash, zsh and dash.
std::string shell_quote(const std::string& value);

std::string format_shell(const EnvVars& vars);  // export NAME='value'
std::string format_env(const EnvVars& vars);    // NAME='value'
std::string format_dotenv(const EnvVars& vars); // NAME="value" with \\ \" \$ \n escaped

// GitHub Actions: "::add-mask::" lines for stdout, and the multi-line NAME<<DELIM blocks
// to append to $GITHUB_ENV. The delimiter is random input so no value can end a block.
std::string format_github_masks(const EnvVars& vars);
std::string format_github_env(const EnvVars& vars, const std::string& delimiter);

} // namespace oauthlink::flow
