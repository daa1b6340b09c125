// SPDX-License-Identifier: MIT
// `oauthlink sandbox`: runs the embedded sandbox authorization server on loopback; with
// --dialect SLUG, an emulator of that catalog provider instead (flow/emulator.hpp).
#include "flow/sandbox.hpp"

#include "cli/commands/commands.hpp"
#include "error.hpp"
#include "flow/emulator.hpp"
#include "net/http_server.hpp"
#include "providers/variants.hpp"
#include "sys/paths.hpp"
#include "sys/private_file.hpp"
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
  std::string dialect;
  std::string environment;
  std::string write_overlay;
  bool public_client = false;
};

const std::string k_overlay_header = "# oauthlink sandbox --dialect ";

void wait_for_interrupt(net::HttpServer& server) {
  while (!sys::interrupted())
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  server.stop();
}

// Never replaces a user catalog that the sandbox did not write itself.
void write_overlay(const std::string& path, const std::string& overlay) {
  if (sys::file_exists(path)) {
    std::string old = sys::read_file(path);
    if (old.rfind(k_overlay_header, 0) != 0)
      throw UsageError("--write-overlay: " + path
                       + " exists and was not written by 'oauthlink sandbox --dialect'; "
                         "refusing to replace it");
  }
  sys::write_private_file(path, overlay);
}

void run_dialect(AppContext& ctx, const SandboxCommand& o) {
  const providers::Provider& entry = ctx.provider(o.dialect);
  net::HttpServer server;
  int port = server.bind("127.0.0.1", o.port);
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  flow::EmulatorOptions options;
  options.dialect = providers::apply_environment(entry, o.environment);
  options.client_id = "emulated-" + sys::random_urlsafe(16);
  // Fresh each run: the emulator is a toy, but its secret still is not a constant.
  options.client_secret = o.public_client ? "" : sys::random_urlsafe(32);
  options.auto_approve = o.auto_approve;
  options.access_token_ttl = o.access_token_ttl;
  flow::Emulator emulator(options, sys::random_urlsafe,
                          [] { return static_cast<int64_t>(std::time(nullptr)); });
  std::string overlay = flow::emulator_overlay(entry, base);
  if (!o.write_overlay.empty())
    write_overlay(o.write_overlay, overlay);
  server.serve([&emulator](const flow::ServerRequest& request) {
    flow::ServerReply reply = emulator.handle(request);
    std::cerr << "sandbox: " << request.method << ' ' << request.path << " -> " << reply.status
              << '\n';
    return reply;
  });

  if (o.json) {
    std::cout << json{{"issuer", base},
                      {"provider", entry.slug},
                      {"environment", o.environment},
                      {"client_id", options.client_id},
                      {"client_secret", options.client_secret},
                      {"overlay", overlay},
                      {"overlay_file", o.write_overlay}}
                     .dump()
              << std::endl;
  } else {
    std::string file =
        o.write_overlay.empty() ? sys::config_dir() + "/providers.toml" : o.write_overlay;
    std::cout << "oauthlink sandbox: emulating " << entry.name << " (" << entry.slug << ") on "
              << base
              << "\n  consent: " << (o.auto_approve ? "auto-approved" : "a page with Approve/Deny")
              << "\n  client_id: " << options.client_id;
    if (!options.client_secret.empty())
      std::cout << "\n  client_secret: " << options.client_secret;
    std::cout << "\n\n"
              << (o.write_overlay.empty() ? "Point " + entry.slug + " at it: add to " + file
                                                + " (or use --write-overlay FILE):\n"
                                          : "Wrote " + file + ":\n")
              << overlay << "\nThen:\n  oauthlink apps add " << entry.slug << " --client-id "
              << options.client_id
              << (options.client_secret.empty() ? "" : " --client-secret-stdin")
              << "\n  oauthlink connect APP_ID   (Ctrl-C stops the emulator; " << base
              << "/__emulator/stats counts requests and lists what it refused)\n"
              << std::flush;
  }
  wait_for_interrupt(server);
}

void run_sandbox(AppContext& ctx, const SandboxCommand& o) {
  if (o.port < 0 || o.port > 65535)
    throw UsageError("--port must be 0-65535");
  if (o.access_token_ttl <= 0)
    throw UsageError("--access-token-ttl must be positive");
  if (o.dialect.empty() && (!o.write_overlay.empty() || o.public_client || !o.environment.empty()))
    throw UsageError("--write-overlay, --public and --environment need --dialect");
  if (!o.dialect.empty())
    return run_dialect(ctx, o);
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
  wait_for_interrupt(server);
}

} // namespace

void register_sandbox(CLI::App& root, AppContext& ctx) {
  auto o = std::make_shared<SandboxCommand>();
  auto* cmd = root.add_subcommand(
      "sandbox", "Run a small OAuth 2.0 authorization server on loopback, for trying things");
  cmd->add_option("--port", o->port, "Port on 127.0.0.1 (default 8910; 0 = ephemeral)");
  cmd->add_flag("--auto-approve", o->auto_approve, "Skip the consent page");
  cmd->add_flag("--json", o->json, "Print the issuer and clients as one JSON line");
  cmd->add_option("--access-token-ttl", o->access_token_ttl,
                  "Access token lifetime in seconds (default 3600)");
  cmd->add_option("--dialect", o->dialect,
                  "Emulate this catalog provider (its dialect, strictly checked) instead");
  cmd->add_option("--write-overlay", o->write_overlay,
                  "With --dialect: write the user-catalog overlay pointing the provider at the "
                  "emulator to FILE (0600)");
  cmd->add_option("--environment", o->environment,
                  "With --dialect: emulate this environment of the entry (its sandbox or demo "
                  "hosts), as 'apps add --environment' selects it");
  cmd->add_flag("--public", o->public_client,
                "With --dialect: the emulated app is a public client (no secret)");
  cmd->callback([&ctx, o] { run_sandbox(ctx, *o); });
}

} // namespace oauthlink::cli
