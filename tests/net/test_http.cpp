// SPDX-License-Identifier: MIT
// The network edges against real loopback servers.
#include "error.hpp"
#include "net/curl_http_client.hpp"
#include "net/http_server.hpp"
#include "support/test_server.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

using namespace oauthlink;

namespace {

int connect_to(const std::string& ip, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

net::HttpServer& echo_server(net::HttpServer& server, int& port) {
  port = server.bind("127.0.0.1", 0);
  server.serve([](const flow::ServerRequest& r) {
    flow::ServerReply reply;
    reply.content_type = "text/plain";
    reply.body = r.method + " " + r.path + "?" + r.query + " " + r.body;
    return reply;
  });
  return server;
}

net::CurlHttpClient quick_client() {
  net::CurlOptions options;
  options.total_timeout_seconds = 5;
  return net::CurlHttpClient(options);
}

} // namespace

TEST_CASE("the curl client returns any status as a response") {
  test::TestServer ts;
  ts.server.Post("/token", [](const httplib::Request& req, httplib::Response& res) {
    res.status = 400;
    res.set_content(req.get_header_value("Accept") + "|" + req.body, "text/plain");
  });
  ts.start();
  auto client = quick_client();
  auto r = client.send({"POST", ts.url("/token"), {{"Accept", "application/json"}}, "code=x"});
  CHECK(r.status == 400);
  CHECK(r.body == "application/json|code=x");
}

TEST_CASE("the curl client never follows a redirect (A13)") {
  test::TestServer ts;
  int hits = 0;
  ts.server.Post("/token", [](const httplib::Request&, httplib::Response& res) {
    res.status = 307;
    res.set_header("Location", "/elsewhere");
  });
  ts.server.Post("/elsewhere", [&hits](const httplib::Request&, httplib::Response&) { ++hits; });
  ts.start();
  auto client = quick_client();
  CHECK(client.send({"POST", ts.url("/token"), {}, "x=1"}).status == 307);
  CHECK(hits == 0);
}

TEST_CASE("the curl client refuses answers over 1 MiB and plain http off loopback (D7, A13)") {
  test::TestServer ts;
  ts.server.Get("/big", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string((1 << 20) + 10, 'x'), "text/plain");
  });
  ts.server.Get("/jwt", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(64 * 1024, 'j'), "text/plain");
  });
  ts.start();
  auto client = quick_client();
  CHECK_THROWS_AS(client.send({"GET", ts.url("/big"), {}, ""}), NetworkError);
  CHECK(client.send({"GET", ts.url("/jwt"), {}, ""}).body.size() == 64 * 1024);
  CHECK_THROWS_AS(client.send({"GET", "http://as.example/token", {}, ""}), NetworkError);
}

TEST_CASE("a connection failure is a NetworkError without the query in its message") {
  net::HttpServer probe;
  int port = probe.bind("127.0.0.1", 0);
  probe.stop();
  auto client = quick_client();
  try {
    client.send({"GET", "http://127.0.0.1:1/x?code=secret-code", {}, ""});
    FAIL("expected NetworkError");
  } catch (const NetworkError& e) {
    CHECK(std::string(e.what()).find("secret-code") == std::string::npos);
  }
  (void)port;
}

TEST_CASE("the server passes method, raw path, raw query and body to the handler") {
  net::HttpServer server;
  int port = 0;
  echo_server(server, port);
  auto client = quick_client();
  auto r = client.send({"POST",
                        "http://127.0.0.1:" + std::to_string(port) + "/a%2Fb?x=%E0%A4%A",
                        {{"Content-Type", "application/x-www-form-urlencoded"}},
                        "k=v"});
  CHECK(r.body == "POST /a%2Fb?x=%E0%A4%A k=v");
}

TEST_CASE("a fixed port that is already taken fails closed (B2)") {
  int squatter = ::socket(AF_INET, SOCK_STREAM, 0);
  int yes = 1;
  setsockopt(squatter, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  setsockopt(squatter, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof yes);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  REQUIRE(::bind(squatter, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(squatter, 1) == 0);
  socklen_t len = sizeof addr;
  getsockname(squatter, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  net::HttpServer server;
  CHECK_THROWS_WITH_AS(server.bind("127.0.0.1", port), doctest::Contains("port in use"),
                       NetworkError);
  ::close(squatter);
}

TEST_CASE("the server listens on loopback only (B1)") {
  net::HttpServer server;
  int port = 0;
  echo_server(server, port);
  ifaddrs* list = nullptr;
  getifaddrs(&list);
  int tried = 0;
  for (ifaddrs* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
      continue;
    char ip[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, ip, sizeof ip);
    if (std::string(ip).rfind("127.", 0) == 0)
      continue;
    ++tried;
    int fd = connect_to(ip, port);
    CHECK(fd < 0);
    if (fd >= 0)
      ::close(fd);
  }
  freeifaddrs(list);
  int fd = connect_to("127.0.0.1", port);
  CHECK(fd >= 0);
  ::close(fd);
  MESSAGE("non-loopback addresses tried: " << tried);
}

TEST_CASE("idle and trickling connections do not block the callback (B6, B7)") {
  net::HttpServer server;
  int port = 0;
  echo_server(server, port);
  int idle = connect_to("127.0.0.1", port);
  int trickle = connect_to("127.0.0.1", port);
  REQUIRE(idle >= 0);
  REQUIRE(trickle >= 0);
  CHECK(::write(trickle, "G", 1) == 1);
  net::CurlOptions options;
  options.total_timeout_seconds = 2;
  net::CurlHttpClient client(options);
  auto r = client.send({"GET", "http://127.0.0.1:" + std::to_string(port) + "/cb?x=1", {}, ""});
  CHECK(r.status == 200);
  ::close(idle);
  ::close(trickle);
}

TEST_CASE("an oversized request line is refused and the server lives on (B6)") {
  net::HttpServer server;
  int port = 0;
  echo_server(server, port);
  auto client = quick_client();
  auto r = client.send(
      {"GET",
       "http://127.0.0.1:" + std::to_string(port) + "/cb?" + std::string(100 * 1024, 'a'),
       {},
       ""});
  CHECK((r.status == 414 || r.status == 431 || r.status == 400));
  CHECK(client.send({"GET", "http://127.0.0.1:" + std::to_string(port) + "/cb", {}, ""}).status
        == 200);
}

TEST_CASE("after stop() new connections are refused (B5)") {
  net::HttpServer server;
  int port = 0;
  echo_server(server, port);
  server.stop();
  int fd = connect_to("127.0.0.1", port);
  CHECK(fd < 0);
  if (fd >= 0)
    ::close(fd);
}

TEST_CASE("twenty trickling connections do not hold back the callback (B6 slowloris)") {
  net::HttpServer server(net::ServerLimits{0, 2, 32});
  int port = 0;
  echo_server(server, port);
  std::vector<int> trickles;
  for (int i = 0; i < 20; ++i) {
    int fd = connect_to("127.0.0.1", port);
    REQUIRE(fd >= 0);
    CHECK(::write(fd, "GET /cb?", 8) == 8);
    trickles.push_back(fd);
  }
  net::CurlOptions options;
  options.total_timeout_seconds = 3;
  net::CurlHttpClient client(options);
  CHECK(client.send({"GET", "http://127.0.0.1:" + std::to_string(port) + "/cb?x=1", {}, ""}).status
        == 200);
  // A trickle gets no more than its deadline: after it the server closes the connection.
  std::this_thread::sleep_for(std::chrono::milliseconds(2600));
  char buffer[256];
  ssize_t n = ::read(trickles[0], buffer, sizeof buffer);
  CHECK(n >= 0); // an answer (408) or end of stream, never a hang
  if (n > 0)
    CHECK(std::string(buffer, static_cast<size_t>(n)).rfind("HTTP/1.1 408", 0) == 0);
  for (int fd : trickles)
    ::close(fd);
}

TEST_CASE("two hundred idle connections do not hold back the callback (B7)") {
  net::HttpServer server;
  int port = 0;
  echo_server(server, port);
  std::vector<int> idle;
  for (int i = 0; i < 200; ++i) {
    int fd = connect_to("127.0.0.1", port);
    if (fd >= 0)
      idle.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto client = quick_client();
  CHECK(client.send({"GET", "http://127.0.0.1:" + std::to_string(port) + "/cb", {}, ""}).status
        == 200);
  for (int fd : idle)
    ::close(fd);
}

TEST_CASE("request heads over 16 KiB are refused with 431 (B6)") {
  net::HttpServer server;
  int port = 0;
  echo_server(server, port);
  flow::Headers headers;
  for (int i = 0; i < 40; ++i)
    headers.emplace_back("X-Fill-" + std::to_string(i), std::string(1000, 'h'));
  auto client = quick_client();
  CHECK(client.send({"GET", "http://127.0.0.1:" + std::to_string(port) + "/cb", headers, ""}).status
        == 431);
}

TEST_CASE("malformed requests get 400 and the server lives on") {
  net::HttpServer server;
  int port = 0;
  echo_server(server, port);
  for (const char* raw : {"GARBAGE\r\n\r\n", "GET /cb HTTP/9.9\r\n\r\n", "GET cb HTTP/1.1\r\n\r\n",
                          "GET /cb HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                          "POST /cb HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"}) {
    CAPTURE(raw);
    int fd = connect_to("127.0.0.1", port);
    REQUIRE(fd >= 0);
    CHECK(::write(fd, raw, strlen(raw)) == static_cast<ssize_t>(strlen(raw)));
    char buffer[64] = {};
    ssize_t n = ::read(fd, buffer, sizeof buffer - 1);
    CHECK(n > 0);
    CHECK((std::string(buffer).rfind("HTTP/1.1 400", 0) == 0
           || std::string(buffer).rfind("HTTP/1.1 501", 0) == 0));
    ::close(fd);
  }
  auto client = quick_client();
  CHECK(client.send({"GET", "http://127.0.0.1:" + std::to_string(port) + "/cb", {}, ""}).status
        == 200);
}

TEST_CASE("the server binds [::1] too (B1)") {
  net::HttpServer server;
  int port = 0;
  try {
    port = server.bind("::1", 0);
  } catch (const NetworkError&) {
    MESSAGE("no IPv6 loopback on this machine");
    return;
  }
  server.serve([](const flow::ServerRequest&) {
    return flow::ServerReply{200, "text/plain", {}, "v6"};
  });
  auto client = quick_client();
  CHECK(client.send({"GET", "http://[::1]:" + std::to_string(port) + "/", {}, ""}).body == "v6");
}

TEST_CASE("a request followed at once by a half-close is still answered") {
  net::HttpServer server;
  int port = 0;
  echo_server(server, port);
  int fd = connect_to("127.0.0.1", port);
  REQUIRE(fd >= 0);
  const char* raw = "GET /cb?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  CHECK(::write(fd, raw, strlen(raw)) == static_cast<ssize_t>(strlen(raw)));
  ::shutdown(fd, SHUT_WR);
  char buffer[64] = {};
  CHECK(::read(fd, buffer, sizeof buffer - 1) > 0);
  CHECK(std::string(buffer).rfind("HTTP/1.1 200", 0) == 0);
  ::close(fd);
}

TEST_CASE(
    "at the connection cap, a complete request waiting to be read is answered, not dropped (B7)") {
  net::HttpServer server(net::ServerLimits{0, 10, 8});
  int port = server.bind("127.0.0.1", 0);
  server.serve([](const flow::ServerRequest& r) {
    if (r.path == "/slow")
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    return flow::ServerReply{200, "text/plain", {}, r.path};
  });
  int slow = connect_to("127.0.0.1", port);
  const char* slow_raw = "GET /slow HTTP/1.1\r\n\r\n";
  CHECK(::write(slow, slow_raw, strlen(slow_raw)) == static_cast<ssize_t>(strlen(slow_raw)));
  std::this_thread::sleep_for(std::chrono::milliseconds(100)); // the server is busy now
  int valid = connect_to("127.0.0.1", port);
  const char* raw = "GET /cb HTTP/1.1\r\n\r\n";
  CHECK(::write(valid, raw, strlen(raw)) == static_cast<ssize_t>(strlen(raw)));
  std::vector<int> idle;
  for (int i = 0; i < 20; ++i)
    idle.push_back(connect_to("127.0.0.1", port));
  char buffer[128] = {};
  ssize_t n = ::read(valid, buffer, sizeof buffer - 1);
  CHECK(n > 0);
  CHECK(std::string(buffer).find("/cb") != std::string::npos);
  for (int fd : idle)
    ::close(fd);
  ::close(valid);
  ::close(slow);
}

TEST_CASE("bare-LF requests are refused at once") {
  net::HttpServer server;
  int port = 0;
  echo_server(server, port);
  int fd = connect_to("127.0.0.1", port);
  const char* raw = "GET /cb HTTP/1.1\nHost: x\n\n";
  CHECK(::write(fd, raw, strlen(raw)) == static_cast<ssize_t>(strlen(raw)));
  char buffer[64] = {};
  CHECK(::read(fd, buffer, sizeof buffer - 1) > 0);
  CHECK(std::string(buffer).rfind("HTTP/1.1 400", 0) == 0);
  ::close(fd);
}

TEST_CASE("with worker threads a slow handler does not hold back other requests; stop drains") {
  net::HttpServer server(net::ServerLimits{64 * 1024, 10, 32, 4});
  int port = server.bind("127.0.0.1", 0);
  std::atomic<bool> release{false};
  server.serve([&release](const flow::ServerRequest& r) {
    flow::ServerReply reply;
    if (r.path == "/slow")
      while (!release)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    reply.body = r.path + " " + std::to_string(r.body.size());
    return reply;
  });
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  flow::HttpResponse slow;
  std::thread slow_client([&] {
    auto client = quick_client();
    slow = client.send({"GET", base + "/slow", {}, ""});
  });
  auto client = quick_client();
  // Answered while /slow is still held: a second worker serves it.
  auto fast = client.send({"POST", base + "/fast", {}, std::string(40 * 1024, 'x')});
  CHECK(fast.body == "/fast 40960");
  CHECK(client.send({"POST", base + "/big", {}, std::string(70 * 1024, 'x')}).status == 413);
  // stop() while /slow is still in its handler: it is answered before stop() returns.
  std::thread stopper([&] { server.stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  release = true;
  stopper.join();
  slow_client.join();
  CHECK(slow.body == "/slow 0");
  CHECK(connect_to("127.0.0.1", port) < 0);
}

TEST_CASE("the curl client refuses a header value with a line break or NUL: nothing is sent") {
  test::TestServer ts;
  int hits = 0;
  ts.server.Get("/api", [&hits](const httplib::Request&, httplib::Response& res) {
    ++hits;
    res.set_content("{}", "application/json");
  });
  ts.start();
  auto client = quick_client();
  for (const std::string& value : {std::string("Bearer tok\r\nX-Injected: yes"),
                                   std::string("Bearer a\nb"), std::string("Bearer a\0b", 10)})
    CHECK_THROWS_AS(client.send({"GET", ts.url("/api"), {{"Authorization", value}}, ""}), Error);
  CHECK(hits == 0);
  CHECK(client.send({"GET", ts.url("/api"), {{"Authorization", "Bearer tok"}}, ""}).status == 200);
}
