// SPDX-License-Identifier: MIT
// Starts the user's browser: $BROWSER (a command line, the URL appended as its last
// argument), else xdg-open. Does I/O. The child's stdout goes to our stderr, so that
// stdout carries only oauthlink's result; stdin is /dev/null. Never waited for.
#pragma once

#include "flow/interfaces.hpp"

#include <string>
#include <vector>

namespace oauthlink::sys {

class SystemBrowser : public flow::Browser {
public:
  bool open(const std::string& url) override;
};

// Splits a command line on whitespace, honouring '…' and "…" quoting (no shell).
std::vector<std::string> split_command(const std::string& command);

} // namespace oauthlink::sys
