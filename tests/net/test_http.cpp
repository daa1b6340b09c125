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
