// SPDX-License-Identifier: MIT
#include "cli/output.hpp"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace oauthlink::cli {

void print_json(const nlohmann::json& value) {
  std::cout << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  std::cout.flush();
}

std::string terminal_safe(const std::string& text) {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += k_hex[c >> 4];
      out += k_hex[c & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i)
        widths.push_back(0);
      widths[i] = std::max(widths[i], row[i].size());
    }
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    std::cout << line << '\n';
  }
}

Spinner::Spinner(bool enabled)
    : m_enabled(enabled && isatty(STDERR_FILENO) == 1) {}

Spinner::~Spinner() {
  stop();
}

void Spinner::start() {
  if (!m_enabled)
    return;
  stop();
  {
    std::lock_guard lock(m_mutex);
    m_active = true;
  }
  m_thread = std::thread([this] { run(); });
}

void Spinner::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_active = false;
  }
  m_changed.notify_all();
  if (m_thread.joinable())
    m_thread.join();
}

void Spinner::run() {
  static const char* const k_frames[] = {"|", "/", "-", "\\"};
  std::unique_lock lock(m_mutex);
  if (m_changed.wait_for(lock, std::chrono::milliseconds(300), [this] { return !m_active; }))
    return;
  for (size_t frame = 0; m_active; ++frame) {
    std::cerr << "\r" << k_frames[frame % 4] << " waiting for the provider…" << std::flush;
    m_shown = true;
    m_changed.wait_for(lock, std::chrono::milliseconds(120), [this] { return !m_active; });
  }
  if (m_shown)
    std::cerr << "\r\033[K" << std::flush;
  m_shown = false;
}

TerminalProgress::TerminalProgress(bool quiet, bool verbose)
    : m_quiet(quiet),
      m_tty(isatty(STDERR_FILENO) == 1),
      m_color(m_tty && std::getenv("NO_COLOR") == nullptr),
      m_verbose(verbose) {}

void TerminalProgress::clear_line() {
  if (m_line_open) {
    std::cerr << "\r\033[K";
    m_line_open = false;
  }
}

void TerminalProgress::info(const std::string& message) {
  std::lock_guard lock(m_mutex);
  if (m_quiet)
    return;
  clear_line();
  std::cerr << terminal_safe(message) << std::endl;
}

void TerminalProgress::warn(const std::string& message) {
  std::lock_guard lock(m_mutex);
  clear_line();
  std::cerr << (m_color ? "\033[33moauthlink: warning:\033[0m " : "oauthlink: warning: ")
            << terminal_safe(message) << std::endl;
}

void TerminalProgress::show_url(const std::string& url) {
  // Always printed, even with --quiet: without it a person cannot finish the flow.
  std::lock_guard lock(m_mutex);
  clear_line();
  std::cerr << terminal_safe(url) << std::endl;
  m_url_shown = std::chrono::steady_clock::now();
  m_waiting = true;
}

void TerminalProgress::countdown(int64_t seconds_left) {
  std::lock_guard lock(m_mutex);
  if (m_quiet || !m_tty)
    return;
  std::cerr << "\r\033[KWaiting for the browser… " << seconds_left / 60 << ":"
            << (seconds_left % 60 < 10 ? "0" : "") << seconds_left % 60
            << " left (Ctrl-C to cancel)" << std::flush;
  m_line_open = true;
}

void TerminalProgress::done_waiting() {
  std::lock_guard lock(m_mutex);
  clear_line();
  if (m_waiting && m_verbose) {
    auto waited = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - m_url_shown);
    std::cerr << "oauthlink: timing: waited " << waited.count() / 1000 << "."
              << waited.count() / 100 % 10 << " ms for the browser and the provider's pages"
              << std::endl;
  }
  m_waiting = false;
}

} // namespace oauthlink::cli
