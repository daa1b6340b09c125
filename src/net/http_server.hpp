// SPDX-License-Identifier: MIT
// A small HTTP/1.1 server (one thread, poll) for the loopback callback, the sandbox and the
// broker. Does I/O. Fails closed on a taken port (no SO_REUSEPORT, SECURITY.md B2); bounds
// each request's time and size and the number of connections (B6, B7).
#pragma once

#include "flow/interfaces.hpp"

#include <memory>
#include <string>

namespace oauthlink::net {

struct ServerLimits {
  size_t max_body_bytes = 64 * 1024; // larger bodies get 413; request heads are capped at 16 KiB
  long read_timeout_seconds = 10;    // the whole request must arrive within this (B6)
  size_t max_connections = 32;       // at the cap the oldest unfinished one is closed (B7)
  // 0: handlers run on the server's thread, in turn (the loopback callback). N > 0: a
  // request that has fully arrived is handed to one of N worker threads, so a slow handler
  // (a provider call) does not hold the others back; the broker uses this. At most
  // 8 * N handed-over requests wait; beyond that new ones get 503.
  size_t worker_threads = 0;
};

class HttpServer : public flow::CallbackServer {
public:
  explicit HttpServer(ServerLimits limits = {});
  ~HttpServer() override;
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host ("127.0.0.1" or "::1") and port (0 = ephemeral); returns the port.
  // Throws NetworkError when the address cannot be bound (e.g. the port is in use).
  int bind(const std::string& host, int port);

  // Starts accepting on a background thread; returns once it accepts connections.
  void serve(flow::RequestHandler handler) override;
  // Stops accepting and waits for requests in progress (and, with workers, for the
  // requests already handed over: a drain). Idempotent.
  void stop() override;
  // Blocks until stop() is called from elsewhere.
  void wait();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace oauthlink::net
