// SPDX-License-Identifier: MIT
#include "net/http_server.hpp"

#include "error.hpp"

#include <httplib.h>

#include <sys/socket.h>

#include <chrono>
#include <thread>

namespace oauthlink::net {

struct HttpServer::Impl {
  ServerLimits limits;
  httplib::Server server;
  std::thread thread;
  std::string host;
  int port = 0;
  bool bound = false;
};

HttpServer::HttpServer(ServerLimits limits)
    : m_impl(std::make_unique<Impl>()) {
  m_impl->limits = limits;
  auto& s = m_impl->server;
  // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, which would let another
  // process share the port and steal the callback (SECURITY.md B2).
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.set_read_timeout(static_cast<time_t>(limits.read_timeout_seconds), 0);
  s.set_write_timeout(10, 0);
  s.set_keep_alive_max_count(5);
  s.set_keep_alive_timeout(2);
  s.set_payload_max_length(limits.max_body_bytes);
  size_t threads = limits.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
}

HttpServer::~HttpServer() {
  stop();
}

int HttpServer::bind(const std::string& host, int port) {
  auto& impl = *m_impl;
  impl.host = host;
  if (port == 0) {
    impl.port = impl.server.bind_to_any_port(host);
    if (impl.port <= 0)
      throw NetworkError("cannot listen on " + host + ": no free port");
  } else {
    if (!impl.server.bind_to_port(host, port))
      throw NetworkError("cannot listen on " + host + ":" + std::to_string(port)
                         + ": port in use (another 'oauthlink connect' may be waiting on it); "
                           "stop that program, or register another redirect URI");
    impl.port = port;
  }
  impl.bound = true;
  return impl.port;
}

void HttpServer::serve(flow::RequestHandler handler) {
  auto& impl = *m_impl;
  if (!impl.bound)
    throw Error("http server: serve() before bind()");
  // Ordinary routes, not the pre-routing hook: httplib reads the body only for them.
  auto route = [handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
    flow::ServerRequest request;
    request.method = req.method;
    const std::string& target = req.target;
    auto q = target.find('?');
    request.path = target.substr(0, q);
    request.query = q == std::string::npos ? "" : target.substr(q + 1);
    for (const auto& [name, value] : req.headers)
      request.headers.emplace_back(name, value);
    request.body = req.body;
    request.remote_addr = req.remote_addr;
    flow::ServerReply reply;
    try {
      reply = handler(request);
    } catch (...) {
      reply = {500, "text/plain; charset=utf-8", {}, "internal error\n"};
    }
    res.status = reply.status;
    for (const auto& [name, value] : reply.headers)
      res.set_header(name, value);
    res.set_content(reply.body, reply.content_type);
  };
  const std::string any = ".*";
  impl.server.Get(any, route);
  impl.server.Post(any, route);
  impl.server.Put(any, route);
  impl.server.Patch(any, route);
  impl.server.Delete(any, route);
  impl.server.Options(any, route);
  impl.server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        res.status = 500;
        res.set_content("internal error\n", "text/plain");
      });
  impl.thread = std::thread([&impl] { impl.server.listen_after_bind(); });
  // cpp-httplib 0.11 has no wait_until_ready(): poll is_running() with a bound.
  for (int i = 0; i < 500 && !impl.server.is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

void HttpServer::stop() {
  auto& impl = *m_impl;
  if (impl.thread.joinable()) {
    impl.server.stop();
    impl.thread.join();
  }
}

void HttpServer::wait() {
  auto& impl = *m_impl;
  while (impl.server.is_running())
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

} // namespace oauthlink::net
