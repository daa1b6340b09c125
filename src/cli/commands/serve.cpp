// SPDX-License-Identifier: MIT
// `oauthlink serve`: the long-running local broker. Wires flow::Broker to the store, the
// catalog, libcurl and a multi-threaded net::HttpServer; one log line per request.
#include "cli/commands/commands.hpp"
#include "error.hpp"
#include "flow/broker.hpp"
#include "flow/url.hpp"
#include "net/http_server.hpp"
#include "store/broker_store.hpp"
#include "sys/random.hpp"
#include "sys/signals.hpp"

#include <chrono>
#include <ctime>
#include <iostream>
#include <mutex>
#include <thread>
#include <type_traits>

namespace oauthlink::cli {

namespace {

constexpr int k_default_port = 8911; // next to the sandbox's 8910

int64_t now_seconds() {
  return static_cast<int64_t>(std::time(nullptr));
}

// The broker's view of the world: the store (apps, redirects, credentials), the broker
// tables, the catalog with discovery, and libcurl for the provider calls.
class Backend : public flow::BrokerBackend {
public:
  Backend(AppContext& ctx, store::BrokerStore& broker)
      : m_ctx(ctx),
        m_broker(broker),
        m_curl(curl_options(ctx)) {
    m_curl.activity = nullptr; // no spinner: this is a server
  }

  std::optional<flow::App> find_app(const std::string& id) override {
    return locked([&] { return m_ctx.store().find_app(id); });
  }
  std::vector<flow::App> list_apps() override {
    return locked([&] { return m_ctx.store().list_apps(); });
  }
  flow::App add_app(flow::App app) override {
    app.id = sys::random_id("app");
    locked([&] { m_ctx.store().add_app(app); });
    return app;
  }
  bool has_provider(const std::string& slug) override {
    return m_ctx.catalog().find(slug) != nullptr;
  }
  std::vector<std::string> redirects() override {
    return locked([&] { return m_ctx.store().list_redirects(); });
  }
  flow::ResolvedProvider resolve(const flow::App& app) override {
    net::CurlHttpClient http(m_curl);
    ResolvedApp resolved = resolve_app(m_ctx, http, app.id, {});
    return {resolved.provider, resolved.metadata && resolved.metadata->iss_parameter_supported};
  }
  flow::HttpResponse send(const flow::HttpRequest& request) override {
    net::CurlHttpClient http(m_curl);
    return http.send(request);
  }

  void save_flow(const flow::PendingFlow& f) override { m_broker.save_flow(f); }
  std::optional<flow::PendingFlow> find_flow(const std::string& h) override {
    return m_broker.find_flow(h);
  }
  bool take_flow(const std::string& h) override { return m_broker.take_flow(h); }
  void save_code(const flow::BrokerCode& c) override { m_broker.save_code(c); }
  std::optional<flow::BrokerCode> find_code(const std::string& h) override {
    return m_broker.find_code(h);
  }
  int add_code_failure(const std::string& h) override { return m_broker.add_code_failure(h); }
  bool consume_code(const std::string& h, int64_t now) override {
    return m_broker.consume_code(h, now);
  }
  void save_link(const flow::StartLink& l) override { m_broker.save_link(l); }
  std::optional<flow::StartLink> take_link(const std::string& h) override {
    return m_broker.take_link(h);
  }

  flow::Credential save_credential(flow::Credential credential) override {
    if (credential.id.empty())
      credential.id = sys::random_id("cred");
    locked([&] { m_ctx.store().save_credential(credential); });
    return credential;
  }
  std::optional<flow::Credential> find_credential(const std::string& id) override {
    return locked([&] { return m_ctx.store().find_credential(id); });
  }
  std::vector<flow::Credential> list_credentials() override {
    return locked([&] { return m_ctx.store().list_credentials(); });
  }
  bool delete_credential(const std::string& id) override {
    return locked([&] { return m_ctx.store().delete_credential(id); });
  }

private:
  // Store's one connection is shared by the worker threads: a statement and the change
  // count it reports must not interleave with another thread's.
  template <class F> std::invoke_result_t<F> locked(F f) {
    std::lock_guard lock(m_store_mutex);
    return f();
  }

  std::mutex m_store_mutex;
  AppContext& m_ctx;
  store::BrokerStore& m_broker;
  net::CurlOptions m_curl;
};

struct ServeOptions {
  int port = k_default_port;
  std::string listen = "127.0.0.1";
  bool show_api_key = false;
  int64_t code_ttl = 60;
};

std::string make_api_key() {
  return "olk_" + sys::random_urlsafe(43);
}

void run_serve(AppContext& ctx, const ServeOptions& o) {
  if (o.port < 0 || o.port > 65535)
    throw UsageError("--port must be 0-65535");
  if (o.code_ttl < 1 || o.code_ttl > 60) // SECURITY.md C6: at most 60 s
    throw UsageError("--code-ttl must be 1-60 seconds");
  store::BrokerStore broker_store = store::BrokerStore::open(ctx.store().path());
  std::string api_key = broker_store.api_key(make_api_key);
  broker_store.sweep(now_seconds());
  if (o.show_api_key) {
    std::cout << api_key << std::endl;
    return;
  }
  bool v6 = o.listen.find(':') != std::string::npos;
  std::string host = v6 ? "[" + o.listen + "]" : o.listen;
  if (!flow::is_loopback_host(o.listen))
    std::cerr << "oauthlink: warning: listening on " << host
              << ", which is not loopback: other machines can reach the broker\n";
  (void)ctx.catalog(); // loaded once, before the worker threads read it

  net::HttpServer server(net::ServerLimits{64 * 1024, 10, 64, 8});
  int port = server.bind(o.listen, o.port);
  std::string authority = host + ":" + std::to_string(port);

  flow::BrokerOptions options;
  options.issuer = "http://" + authority;
  options.allowed_hosts = {authority};
  options.api_key = api_key;
  options.code_ttl = o.code_ttl;
  Backend backend(ctx, broker_store);
  flow::Broker broker(options, backend, sys::random_urlsafe, now_seconds);
  std::mutex log_mutex;
  server.serve([&](const flow::ServerRequest& request) {
    flow::ServerReply reply = broker.handle(request);
    std::lock_guard lock(log_mutex);
    std::cerr << "serve: " << flow::broker_log_line(request, reply.status) << '\n';
    return reply;
  });

  std::cout << "oauthlink broker listening on " << options.issuer << "\n"
            << "  register this redirect URI at each provider: "
            << broker.provider_redirect_uri("SLUG") << "\n"
            << "  apps: GET " << options.issuer << "/link/oauth2/authorize, POST " << options.issuer
            << "/link/oauth2/token\n"
            << "  management API: " << options.issuer
            << "/v1 (Bearer key: oauthlink serve --show-api-key)\n"
            << "  Ctrl-C or SIGTERM stops it" << std::endl;

  auto last_sweep = std::chrono::steady_clock::now();
  while (!sys::interrupted()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (std::chrono::steady_clock::now() - last_sweep > std::chrono::seconds(30)) {
      last_sweep = std::chrono::steady_clock::now();
      try {
        broker_store.sweep(now_seconds());
      } catch (const StoreError& e) {
        std::cerr << "serve: sweep failed: " << e.what() << '\n';
      }
    }
  }
  server.stop(); // drains: requests already received are answered
  std::cerr << "serve: stopped" << std::endl;
}

} // namespace

void register_serve(CLI::App& root, AppContext& ctx) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = root.add_subcommand(
      "serve", "Run the local broker: /link/oauth2 routes for your web app, and the /v1 API");
  cmd->add_option("--port", o->port,
                  "Port (default " + std::to_string(k_default_port) + "; 0 = ephemeral)");
  cmd->add_option("--listen", o->listen, "IP address to listen on (default 127.0.0.1)");
  cmd->add_flag("--show-api-key", o->show_api_key,
                "Print the /v1 API key (created on first use) and exit");
  cmd->add_option("--code-ttl", o->code_ttl,
                  "Seconds a broker code may wait for its exchange (1-60, default 60)");
  cmd->callback([&ctx, o] { run_serve(ctx, *o); });
}

} // namespace oauthlink::cli
