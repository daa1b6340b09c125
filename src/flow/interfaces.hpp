// SPDX-License-Identifier: MIT
// What the flow needs from the outside world, as interfaces (ninja's DiskInterface idea).
// The I/O adapters in net/ and sys/ implement them; tests use fakes.
#pragma once

#include "flow/http.hpp"

#include <cstdint>
#include <functional>
#include <string>

namespace oauthlink::flow {

class HttpClient {
public:
  virtual ~HttpClient() = default;
  // Any status is a response; throws NetworkError only if none arrived.
  virtual HttpResponse send(const HttpRequest& request) = 0;
};

using RequestHandler = std::function<ServerReply(const ServerRequest&)>;

// A server whose socket is already bound. serve() returns at once; the handler runs on
// the server's own threads until stop(), which waits for handlers in progress.
class CallbackServer {
public:
  virtual ~CallbackServer() = default;
  virtual void serve(RequestHandler handler) = 0;
  virtual void stop() = 0;
};

class Browser {
public:
  virtual ~Browser() = default;
  // Starts the user's browser at url without waiting for it; false if it could not start.
  virtual bool open(const std::string& url) = 0;
};

// Progress for the person at the terminal (stderr). Must be callable from any thread.
class Progress {
public:
  virtual ~Progress() = default;
  virtual void info(const std::string& message) = 0;
  virtual void warn(const std::string& message) = 0;
  // The authorize URL, printed on a line of its own.
  virtual void show_url(const std::string& url) = 0;
  // Called about once a second while waiting for the browser.
  virtual void countdown(int64_t seconds_left) = 0;
  virtual void done_waiting() = 0;
};

} // namespace oauthlink::flow
