// SPDX-License-Identifier: MIT
// Output for people and scripts: JSON on stdout, progress on stderr (countdown on
// terminals only, NO_COLOR respected, --quiet), simple tables.
#pragma once

#include "flow/interfaces.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace oauthlink::cli {

void print_json(const nlohmann::json& value);

// Control characters (ESC, CR, LF, …) as \xHH, so that text from a provider cannot move
// the cursor, retitle the terminal or forge lines of our output.
std::string terminal_safe(const std::string& text);

// Left-aligned columns; the first row is the header.
void print_table(const std::vector<std::vector<std::string>>& rows);

// A spinner on stderr while a provider call runs: on terminals only, not with --quiet, and
// only for calls slower than 300 ms (no flicker for fast ones).
class Spinner {
public:
  explicit Spinner(bool enabled);
  ~Spinner();
  void start();
  void stop();

private:
  void run();
  bool m_enabled;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  bool m_active = false;
  bool m_shown = false;
  std::thread m_thread;
};

class TerminalProgress : public flow::Progress {
public:
  // verbose: also report how long the browser (and the provider's pages) took.
  TerminalProgress(bool quiet, bool verbose);
  void info(const std::string& message) override;
  void warn(const std::string& message) override;
  void show_url(const std::string& url) override;
  void countdown(int64_t seconds_left) override;
  void done_waiting() override;

private:
  void clear_line();
  std::mutex m_mutex;
  bool m_quiet;
  bool m_tty;
  bool m_color;
  bool m_line_open = false;
  bool m_verbose;
  std::chrono::steady_clock::time_point m_url_shown{};
  bool m_waiting = false;
};

} // namespace oauthlink::cli
