// SPDX-License-Identifier: MIT
// The baseline for bench/broker.sh: a bare cpp-httplib server answering POST
// /link/oauth2/token with a fixed JSON body, no store, no checks. Prints its port.
#include <httplib.h>

#include <iostream>

int main() {
  httplib::Server server;
  server.set_tcp_nodelay(true); // else Nagle + delayed ACK add 40 ms to each keep-alive answer
  server.Post("/link/oauth2/token", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(R"({"error":"invalid_grant","error_description":"unknown code"})",
                    "application/json");
    res.status = 400;
  });
  int port = server.bind_to_any_port("127.0.0.1");
  std::cout << port << std::endl;
  server.listen_after_bind();
}
