// SPDX-License-Identifier: MIT
#include "sys/terminal.hpp"

#include <unistd.h>

#include <iostream>
#include <termios.h>

namespace oauthlink::sys {

bool stdin_is_terminal() {
  return isatty(STDIN_FILENO) == 1;
}

std::optional<std::string> read_secret_from_terminal(const std::string& prompt) {
  if (!stdin_is_terminal())
    return std::nullopt;
  termios saved{};
  if (tcgetattr(STDIN_FILENO, &saved) != 0)
    return std::nullopt;
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;
  // Echo goes off before the prompt shows, so nothing typed after it can appear on the
  // screen; input typed earlier (already echoed) is discarded by TCSAFLUSH.
  if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
    return std::nullopt;
  std::cerr << prompt << std::flush;
  std::string line;
  std::getline(std::cin, line);
  tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  return line;
}

} // namespace oauthlink::sys
