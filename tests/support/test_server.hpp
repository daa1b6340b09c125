// SPDX-License-Identifier: MIT
// A real cpp-httplib server on 127.0.0.1, port 0, on its own thread (STYLE.md §3).
#pragma once

#include <httplib.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

namespace oauthlink::test {

class TestServer {
public:
  httplib::Server server;
  int port = 0;

  void start() {
    port = server.bind_to_any_port("127.0.0.1");
    if (port <= 0)
      throw std::runtime_error("test server: cannot bind");
    m_thread = std::thread([this] { server.listen_after_bind(); });
    for (int i = 0; i < 500 && !server.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port) + path;
  }
  ~TestServer() {
    server.stop();
    if (m_thread.joinable())
      m_thread.join();
  }

private:
  std::thread m_thread;
};

} // namespace oauthlink::test
