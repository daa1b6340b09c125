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
  std::cerr << prompt << std::flush;
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  std::string line;
  std::getline(std::cin, line);
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  return line;
}

} // namespace oauthlink::sys
