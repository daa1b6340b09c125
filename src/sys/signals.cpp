// SPDX-License-Identifier: MIT
#include "sys/signals.hpp"

#include <signal.h>
#include <sys/resource.h>

#include <atomic>

namespace oauthlink::sys {

namespace {
std::atomic<bool> g_interrupted{false};
extern "C" void on_signal(int) {
  g_interrupted.store(true);
}
} // namespace

void install_signal_handlers() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
  struct rlimit none {
    0, 0
  };
  setrlimit(RLIMIT_CORE, &none);
}

bool interrupted() {
  return g_interrupted.load();
}

} // namespace oauthlink::sys
