// SPDX-License-Identifier: MIT
// Reading a secret from the terminal without echo. Does I/O.
#pragma once

#include <optional>
#include <string>

namespace oauthlink::sys {

bool stdin_is_terminal();

// Prints prompt on stderr, reads one line from the terminal on stdin with echo off, and
// restores the terminal (also when interrupted). nullopt when stdin is not a terminal.
std::optional<std::string> read_secret_from_terminal(const std::string& prompt);

} // namespace oauthlink::sys
