// SPDX-License-Identifier: MIT
// A small poll()-based HTTP/1.1 server. cpp-httplib 0.11's server bounds each read but not
// a whole request, nor the number of connections, so a client trickling one byte every few
// seconds (slowloris) or a few hundred idle connections could hold the callback back past
// the flow's deadline (SECURITY.md B6, B7). Here every connection has a deadline for its
// whole request, request heads are capped, and connections are capped, the oldest
// unfinished one making room for a new one. Handlers run on the server's one thread, in
// turn; the loopback, sandbox and broker handlers are short or hold the flow anyway.
#include "net/http_server.hpp"

#include "error.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <list>
#include <mutex>
#include <poll.h>
#include <thread>

namespace oauthlink::net {

namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t k_max_head_bytes = 16 * 1024; // request line + headers (B6)

struct Connection {
  int fd = -1;
  Clock::time_point deadline;
  std::string buffer;
};

const char* reason(int status) {
  switch (status) {
  case 200:
    return "OK";
  case 302:
    return "Found";
  case 303:
    return "See Other";
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 408:
    return "Request Timeout";
  case 409:
    return "Conflict";
  case 410:
    return "Gone";
  case 411:
    return "Length Required";
  case 413:
    return "Content Too Large";
  case 414:
    return "URI Too Long";
  case 421:
    return "Misdirected Request";
  case 429:
    return "Too Many Requests";
  case 431:
    return "Request Header Fields Too Large";
  case 500:
    return "Internal Server Error";
  case 501:
    return "Not Implemented";
  case 503:
    return "Service Unavailable";
  default:
    return "Status";
  }
}

// Writes the whole answer, giving up after a few seconds (a client that does not read).
void write_all(int fd, const std::string& data) {
  int flags = fcntl(fd, F_GETFL);
  fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      if (n < 0 && errno == EINTR)
        continue;
      return;
    }
    sent += static_cast<size_t>(n);
  }
}

std::string serialize(const flow::ServerReply& reply) {
  std::string out =
      "HTTP/1.1 " + std::to_string(reply.status) + " " + reason(reply.status) + "\r\n";
  bool has_type = false;
  for (const auto& [name, value] : reply.headers) {
    // Header values come from handlers; CR/LF in one would split the answer.
    if (name.find_first_of("\r\n:") != std::string::npos
        || value.find_first_of("\r\n") != std::string::npos)
      continue;
    has_type = has_type || strcasecmp(name.c_str(), "Content-Type") == 0;
    out += name + ": " + value + "\r\n";
  }
  if (!has_type && !reply.content_type.empty())
    out += "Content-Type: " + reply.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
  out += "Connection: close\r\n\r\n";
  out += reply.body;
  return out;
}

flow::ServerReply plain(int status, const std::string& text) {
  return {status, "text/plain; charset=utf-8", {{"Cache-Control", "no-store"}}, text + "\n"};
}

enum class Parse { incomplete, done, failed };

// Parses buffer as one request. On failure `error` holds the status to answer.
Parse parse_request(const std::string& buffer, size_t max_body, flow::ServerRequest& request,
                    int& error) {
  size_t head_end = buffer.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    if (buffer.size() > k_max_head_bytes) {
      error = buffer.find("\r\n") == std::string::npos ? 414 : 431;
      return Parse::failed;
    }
    return Parse::incomplete;
  }
  if (head_end > k_max_head_bytes) {
    error = 431;
    return Parse::failed;
  }
  size_t line_end = buffer.find("\r\n");
  std::string line = buffer.substr(0, line_end);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string::npos ? std::string::npos : line.find(' ', sp1 + 1);
  if (sp2 == std::string::npos || line.find(' ', sp2 + 1) != std::string::npos) {
    error = 400;
    return Parse::failed;
  }
  request.method = line.substr(0, sp1);
  std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string version = line.substr(sp2 + 1);
  if ((version != "HTTP/1.1" && version != "HTTP/1.0") || target.empty() || target[0] != '/') {
    error = 400;
    return Parse::failed;
  }
  for (char c : request.method + target)
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      error = 400;
      return Parse::failed;
    }
  auto q = target.find('?');
  request.path = target.substr(0, q);
  request.query = q == std::string::npos ? "" : target.substr(q + 1);

  size_t content_length = 0;
  size_t pos = line_end + 2;
  while (pos < head_end) {
    size_t end = buffer.find("\r\n", pos);
    std::string header = buffer.substr(pos, end - pos);
    pos = end + 2;
    size_t colon = header.find(':');
    if (colon == std::string::npos || colon == 0 || header[0] == ' ' || header[0] == '\t') {
      error = 400;
      return Parse::failed;
    }
    std::string name = header.substr(0, colon);
    std::string value = header.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.erase(0, 1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
      value.pop_back();
    if (strcasecmp(name.c_str(), "Transfer-Encoding") == 0) {
      error = 501; // no chunked bodies: our clients send Content-Length
      return Parse::failed;
    }
    if (strcasecmp(name.c_str(), "Content-Length") == 0) {
      if (value.empty() || value.size() > 9
          || value.find_first_not_of("0123456789") != std::string::npos) {
        error = 400;
        return Parse::failed;
      }
      content_length = std::stoul(value);
    }
    if (strcasecmp(name.c_str(), "Host") == 0 && flow::find_header(request.headers, "Host")) {
      error = 400; // two Host headers: which one would the check see?
      return Parse::failed;
    }
    request.headers.emplace_back(std::move(name), std::move(value));
  }
  if (content_length > max_body) {
    error = 413;
    return Parse::failed;
  }
  size_t body_start = head_end + 4;
  if (buffer.size() - body_start < content_length)
    return Parse::incomplete;
  request.body = buffer.substr(body_start, content_length);
  return Parse::done;
}

} // namespace

struct HttpServer::Impl {
  ServerLimits limits;
  int listen_fd = -1;
  int wake[2] = {-1, -1};
  std::thread thread;
  std::atomic<bool> stopping{false};
  std::atomic<bool> running{false};
  flow::RequestHandler handler;
  std::list<Connection> connections;
  // Requests handed to the workers (worker_threads > 0): the worker owns the socket.
  std::vector<std::thread> workers;
  std::mutex queue_mutex;
  std::condition_variable queue_changed;
  std::deque<std::pair<int, flow::ServerRequest>> queue;
  bool workers_stopping = false;

  flow::ServerReply run_handler(const flow::ServerRequest& request) {
    try {
      return handler(request);
    } catch (...) {
      return plain(500, "internal error");
    }
  }

  void work() {
    for (;;) {
      std::pair<int, flow::ServerRequest> job;
      {
        std::unique_lock lock(queue_mutex);
        queue_changed.wait(lock, [&] { return workers_stopping || !queue.empty(); });
        if (queue.empty())
          return; // stopping, and everything handed over has been answered
        job = std::move(queue.front());
        queue.pop_front();
      }
      write_all(job.first, serialize(run_handler(job.second)));
      ::shutdown(job.first, SHUT_WR);
      ::close(job.first);
    }
  }

  // Hands the request over; false when too many already wait (the caller answers 503).
  bool hand_over(int fd, flow::ServerRequest request) {
    {
      std::lock_guard lock(queue_mutex);
      if (queue.size() >= 8 * limits.worker_threads)
        return false;
      queue.emplace_back(fd, std::move(request));
    }
    queue_changed.notify_one();
    return true;
  }

  void close_listener() {
    if (listen_fd >= 0)
      ::close(listen_fd);
    listen_fd = -1;
  }

  void answer(Connection& c, const flow::ServerReply& reply) {
    write_all(c.fd, serialize(reply));
    ::shutdown(c.fd, SHUT_WR);
  }

  void drop(std::list<Connection>::iterator it) {
    if (it->fd >= 0)
      ::close(it->fd);
    connections.erase(it);
  }

  void make_room() {
    for (auto it = connections.begin(); it != connections.end(); ++it) {
      if (!service(*it) || it->buffer.empty()) { // answered, closed, or silent so far
        drop(it);
        return;
      }
    }
    drop(connections.begin()); // all are mid-request: the oldest goes
  }

  void accept_all() {
    for (;;) {
      int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0)
        return;
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      // B7: at the cap, the oldest connection that has sent nothing makes room; one whose
      // request has arrived unread is answered first, never dropped.
      if (connections.size() >= limits.max_connections)
        make_room();
      connections.push_back(
          {fd, Clock::now() + std::chrono::seconds(limits.read_timeout_seconds), {}});
    }
  }

  // True when the peer has half-closed: an incomplete request will never complete.
  static bool peer_closed(const Connection& c) {
    char probe;
    return ::recv(c.fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
  }

  // Reads what is there; returns false when the connection is finished with.
  bool service(Connection& c) {
    char chunk[8192];
    for (;;) {
      ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
      if (n > 0) {
        c.buffer.append(chunk, static_cast<size_t>(n));
        if (c.buffer.size() > k_max_head_bytes + limits.max_body_bytes + 4)
          break;
        continue;
      }
      if (n == 0) {
        if (c.buffer.empty())
          return false;
        break; // a half-close after a whole request: answer what arrived
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK)
        break;
      if (errno == EINTR)
        continue;
      return false;
    }
    flow::ServerRequest request;
    int error = 0;
    Parse state = parse_request(c.buffer, limits.max_body_bytes, request, error);
    if (state == Parse::incomplete && c.buffer.find("\n\n") != std::string::npos
        && c.buffer.find("\r\n\r\n") == std::string::npos) {
      state = Parse::failed; // bare-LF line endings: refuse now, not at the deadline
      error = 400;
    }
    if (state == Parse::incomplete)
      return !peer_closed(c);
    if (state == Parse::failed) {
      answer(c, plain(error, reason(error)));
      return false;
    }
    if (limits.worker_threads > 0) {
      if (hand_over(c.fd, std::move(request)))
        c.fd = -1; // the worker answers and closes it
      else
        answer(c, plain(503, "busy; try again"));
      return false;
    }
    answer(c, run_handler(request));
    return false;
  }

  void loop() {
    running = true;
    std::vector<pollfd> fds;
    while (!stopping) {
      fds.clear();
      fds.push_back({wake[0], POLLIN, 0});
      fds.push_back({listen_fd, POLLIN, 0});
      for (const auto& c : connections)
        fds.push_back({c.fd, POLLIN, 0});
      int ready = ::poll(fds.data(), fds.size(), 200);
      if (stopping)
        break;
      if (ready < 0 && errno != EINTR)
        break;
      auto now = Clock::now();
      size_t i = 2;
      for (auto it = connections.begin(); it != connections.end(); ++i) {
        bool readable = i < fds.size() && fds[i].fd == it->fd
                        && (fds[i].revents & (POLLIN | POLLHUP | POLLERR));
        bool keep = true;
        if (readable)
          keep = service(*it);
        if (keep && now > it->deadline) {
          // B6: the whole request must arrive within the deadline, however it trickles.
          if (!it->buffer.empty())
            answer(*it, plain(408, "request timeout"));
          keep = false;
        }
        if (stopping)
          return;
        if (!keep && it->fd >= 0)
          ::close(it->fd);
        it = keep ? std::next(it) : connections.erase(it);
      }
      if (fds[1].revents & POLLIN)
        accept_all();
    }
  }
};

HttpServer::HttpServer(ServerLimits limits)
    : m_impl(std::make_unique<Impl>()) {
  m_impl->limits = limits;
}

HttpServer::~HttpServer() {
  stop();
  m_impl->close_listener();
  for (int fd : m_impl->wake)
    if (fd >= 0)
      ::close(fd);
}

int HttpServer::bind(const std::string& host, int port) {
  auto& impl = *m_impl;
  bool v6 = host.find(':') != std::string::npos;
  sockaddr_storage storage{};
  socklen_t length = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET6, host.c_str(), &a->sin6_addr) != 1)
      throw NetworkError("cannot listen on " + host + ": not an IPv6 address");
    length = sizeof(sockaddr_in6);
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&storage);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &a->sin_addr) != 1)
      throw NetworkError("cannot listen on " + host + ": not an IPv4 address");
    length = sizeof(sockaddr_in);
  }
  int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    throw NetworkError(std::string("cannot create a socket: ") + std::strerror(errno));
  // SO_REUSEADDR only, never SO_REUSEPORT: no other process may share the port and take
  // the callback (SECURITY.md B2). On Linux SO_REUSEADDR still refuses a live listener.
  int yes = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (v6)
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof yes);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0 || ::listen(fd, 64) != 0) {
    int err = errno;
    ::close(fd);
    std::string where = (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
    if (err == EADDRINUSE)
      throw NetworkError("cannot listen on " + where
                         + ": port in use (another 'oauthlink connect' may be waiting on it); "
                           "stop that program, or register another redirect URI");
    throw NetworkError("cannot listen on " + where + ": " + std::strerror(err));
  }
  getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length);
  impl.listen_fd = fd;
  return v6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port)
            : ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
}

void HttpServer::serve(flow::RequestHandler handler) {
  auto& impl = *m_impl;
  if (impl.listen_fd < 0)
    throw Error("http server: serve() before bind()");
  if (::pipe2(impl.wake, O_CLOEXEC | O_NONBLOCK) != 0)
    throw NetworkError(std::string("cannot create a pipe: ") + std::strerror(errno));
  impl.handler = std::move(handler);
  for (size_t i = 0; i < impl.limits.worker_threads; ++i)
    impl.workers.emplace_back([&impl] { impl.work(); });
  impl.thread = std::thread([&impl] { impl.loop(); });
  // The socket already listens: connections queue in the backlog until the loop runs.
}

void HttpServer::stop() {
  auto& impl = *m_impl;
  if (!impl.thread.joinable())
    return;
  impl.stopping = true;
  if (impl.wake[1] >= 0)
    (void)!::write(impl.wake[1], "x", 1);
  impl.thread.join();
  {
    std::lock_guard lock(impl.queue_mutex);
    impl.workers_stopping = true;
  }
  impl.queue_changed.notify_all();
  for (auto& worker : impl.workers)
    worker.join(); // drain: what was handed over is answered first
  impl.workers.clear();
  for (auto& c : impl.connections)
    if (c.fd >= 0)
      ::close(c.fd);
  impl.connections.clear();
  impl.close_listener(); // B5: after stop, new connections are refused
  impl.running = false;
}

void HttpServer::wait() {
  while (m_impl->thread.joinable() && !m_impl->stopping)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

} // namespace oauthlink::net
