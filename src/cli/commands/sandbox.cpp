// SPDX-License-Identifier: MIT
// `oauthlink sandbox`: runs the embedded sandbox authorization server on loopback.
#include "flow/sandbox.hpp"

#include "cli/commands/commands.hpp"
#include "error.hpp"
#include "net/http_server.hpp"
#include "sys/random.hpp"
#include "sys/signals.hpp"

#include <chrono>
#include <ctime>
#include <iostream>
#include <thread>

namespace oauthlink::cli {

using nlohmann::json;

namespace {

struct SandboxCommand {
  int port = 8910;
  bool auto_approve = false;
  bool json = false;
  int64_t access_token_ttl = 3600;
};

void run_sandbox(const SandboxCommand& o) {
  if (o.port < 0 || o.port > 65535)
    throw UsageError("--port must be 0-65535");
  if (o.access_token_ttl <= 0)
    throw UsageError("--access-token-ttl must be positive");
  net::HttpServer server;
  int port = server.bind("127.0.0.1", o.port);
  flow::SandboxOptions options;
  options.issuer = "http://127.0.0.1:" + std::to_string(port);
  options.auto_approve = o.auto_approve;
  options.access_token_ttl = o.access_token_ttl;
  // Fresh secrets each run: the sandbox is a toy, but its secrets still are not constants.
  options.clients = {{"sandbox-basic", sys::random_urlsafe(32), "client_secret_basic"},
                     {"sandbox-post", sys::random_urlsafe(32), "client_secret_post"},
                     {"sandbox-public", "", "none"}};
  flow::Sandbox sandbox(options, sys::random_urlsafe,
                        [] { return static_cast<int64_t>(std::time(nullptr)); });
  server.serve([&sandbox](const flow::ServerRequest& request) {
    std::cerr << "sandbox: " << request.method << ' ' << request.path << '\n';
    return sandbox.handle(request);
  });

  if (o.json) {
    json clients = json::array();
    for (const auto& c : options.clients)
      clients.push_back({{"client_id", c.client_id},
                         {"client_secret", c.client_secret},
                         {"auth_method", c.auth_method}});
    std::cout << json{{"issuer", options.issuer}, {"clients", clients}}.dump() << std::endl;
  } else {
    std::cout << "oauthlink sandbox authorization server\n"
              << "  issuer: " << options.issuer << "\n"
              << "  consent: " << (o.auto_approve ? "auto-approved" : "a page with Approve/Deny")
              << "\n  clients:\n";
    for (const auto& c : options.clients)
      std::cout << "    " << c.client_id << "  auth=" << c.auth_method
                << (c.client_secret.empty() ? "" : "  secret=" + c.client_secret) << '\n';
    std::cout << "\nRegister one (paste its secret at the prompt):\n";
    for (const auto& c : options.clients) {
      std::cout << "  oauthlink apps add oidc --issuer " << options.issuer << " --client-id "
                << c.client_id;
      if (!c.client_secret.empty())
        std::cout << " --client-secret-stdin --auth-method " << c.auth_method;
      std::cout << '\n';
    }
    std::cout << "Then: oauthlink connect APP_ID   (Ctrl-C stops the sandbox)\n" << std::flush;
  }
  while (!sys::interrupted())
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server.stop();
}

} // namespace

void register_sandbox(CLI::App& root, AppContext&) {
  auto o = std::make_shared<SandboxCommand>();
  auto* cmd = root.add_subcommand(
      "sandbox", "Run a small OAuth 2.0 authorization server on loopback, for trying things");
  cmd->add_option("--port", o->port, "Port on 127.0.0.1 (default 8910; 0 = ephemeral)");
  cmd->add_flag("--auto-approve", o->auto_approve, "Skip the consent page");
  cmd->add_flag("--json", o->json, "Print the issuer and clients as one JSON line");
  cmd->add_option("--access-token-ttl", o->access_token_ttl,
                  "Access token lifetime in seconds (default 3600)");
  cmd->callback([o] { run_sandbox(*o); });
}

} // namespace oauthlink::cli
