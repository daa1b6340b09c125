// SPDX-License-Identifier: MIT
// Runs the real connect and refresh code paths of a catalog provider against an in-process
// emulator of it: flow::connect with net::CurlHttpClient, the real loopback net::HttpServer
// and a browser that follows the emulator's redirect; the catalog entry is the shipped
// one with the user overlay that `oauthlink sandbox --dialect` prints (endpoints pointed
// at the emulator), merged by Catalog::parse_layers.
#pragma once

#include "flow/authorize_url.hpp"
#include "flow/connect.hpp"
#include "flow/emulator.hpp"
#include "flow/redirect.hpp"
#include "flow/refresh.hpp"
#include "flow/token_exchange.hpp"
#include "net/curl_http_client.hpp"
#include "net/http_server.hpp"
#include "providers/catalog.hpp"
#include "providers/variants.hpp"
#include "support/fakes.hpp"
#include "support/test_server.hpp"
#include "sys/paths.hpp"
#include "sys/random.hpp"

#include <ctime>
#include <memory>
#include <string>
#include <variant>

namespace oauthlink::test {

inline int64_t emulator_now() {
  return static_cast<int64_t>(std::time(nullptr));
}

// The shipped catalog's text and path.
inline const std::string& shipped_catalog_path() {
  static const std::string path = std::string(OAUTHLINK_SOURCE_DIR) + "/share/providers.toml";
  return path;
}

struct HarnessOptions {
  bool public_client = false;    // no client secret: auth_method none
  std::string extra_catalog;     // TOML appended as a further layer (synthetic entries)
  providers::StringMap settings; // the app's --set values for URL templates
  bool auto_approve = true;      // false: consent page, and device codes wait for a visit
  std::string environment;       // the app's --environment (the emulator emulates it)
};

class EmulatorHarness {
public:
  providers::Provider shipped;  // the catalog entry as shipped (or the synthetic one)
  providers::Provider entry;    // the same entry after the emulator overlay
  providers::Provider resolved; // after resolve_provider (templates filled)
  std::string overlay;          // the overlay text, as `sandbox --dialect` prints it
  std::unique_ptr<flow::Emulator> emulator;
  flow::App app;
  TestServer server;
  QuietProgress progress;

  explicit EmulatorHarness(const std::string& slug, HarnessOptions options = {}) {
    std::string text = sys::read_file(shipped_catalog_path());
    std::vector<providers::Catalog::Layer> layers{{text, shipped_catalog_path()}};
    if (!options.extra_catalog.empty())
      layers.push_back({options.extra_catalog, "synthetic.toml"});
    shipped = *providers::Catalog::parse_layers(layers).find(slug);

    app.id = "app_emulated";
    app.provider = slug;
    app.name = "emulated";
    app.client_id = "client-" + sys::random_urlsafe(12);
    app.client_secret = options.public_client ? "" : sys::random_urlsafe(32);
    app.settings = options.settings;
    app.environment = options.environment;
    flow::EmulatorOptions emulation;
    emulation.dialect = providers::apply_environment(shipped, options.environment);
    emulation.client_id = app.client_id;
    emulation.client_secret = app.client_secret;
    emulation.auto_approve = options.auto_approve;
    emulator = std::make_unique<flow::Emulator>(emulation, sys::random_urlsafe, emulator_now);

    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      flow::ServerRequest request;
      request.method = req.method;
      auto question = req.target.find('?');
      request.path = req.target.substr(0, question);
      request.query = question == std::string::npos ? "" : req.target.substr(question + 1);
      for (const auto& [name, value] : req.headers)
        request.headers.emplace_back(name, value);
      request.body = req.body;
      flow::ServerReply reply = emulator->handle(request);
      res.status = reply.status;
      for (const auto& [name, value] : reply.headers)
        res.set_header(name, value);
      res.set_content(reply.body, reply.content_type);
    };
    server.server.Get(".*", handler);
    server.server.Post(".*", handler);
    server.start();

    overlay = flow::emulator_overlay(shipped, server.url(""));
    layers.push_back({overlay, "emulator-overlay.toml"});
    entry = *providers::Catalog::parse_layers(layers).find(slug);
    resolved = flow::resolve_provider(entry, app, {}, nullptr);
  }

  // The real connect: loopback server on an ephemeral port, authorize URL, browser,
  // callback checks, code exchange in the dialect. Throws what flow::connect throws.
  flow::Credential connect(const std::vector<std::string>& scopes = {}) {
    std::vector<std::string> notes;
    flow::LoopbackPlan loopback = flow::plan_loopback("", {}, resolved.slug, notes);
    net::HttpServer callback(net::ServerLimits{0, 10, 32});
    int port = callback.bind(loopback.bind_host, 0);
    flow::ConnectPlan plan;
    plan.provider = resolved;
    plan.app = app;
    plan.redirect_uri = loopback.uri(port);
    plan.expect.path = loopback.path;
    plan.expect.allowed_hosts = loopback.allowed_hosts(port);
    plan.expect.state = sys::random_urlsafe(43);
    plan.expect.issuer = resolved.issuer;
    plan.expect.keep = resolved.callback_keep;
    plan.code_verifier = resolved.pkce == providers::Pkce::forbidden ? "" : sys::random_urlsafe(64);
    plan.scopes = flow::effective_scopes(resolved, app, scopes);
    plan.timeout_seconds = timeout_seconds;
    redirect_uri = plan.redirect_uri;

    FakeBrowser browser;
    browser.script = [this](const std::string& url) { browse(url); };
    net::CurlHttpClient http(curl());
    bool interrupted = false;
    flow::ConnectPorts ports{http,
                             callback,
                             browser,
                             progress,
                             emulator_now,
                             [&] { return interrupted; },
                             [&](const flow::TokenSet& tokens, const flow::Params& kept) {
                               ++stored;
                               flow::Credential credential;
                               credential.id = "cred_emulated";
                               credential.app_id = app.id;
                               credential.provider = resolved.slug;
                               credential.tokens = tokens;
                               for (const auto& [key, value] : kept)
                                 credential.tokens.extra[key] = value;
                               credential.created_at = credential.updated_at = emulator_now();
                               return credential;
                             }};
    return flow::connect(plan, ports);
  }

  // The real refresh request and answer handling (what `oauthlink token` does under the
  // store lock): the refreshed credential, or the provider's error.
  std::variant<flow::Credential, flow::OAuthError> refresh(const flow::Credential& credential) {
    net::CurlHttpClient http(curl());
    flow::HttpRequest request =
        flow::build_refresh_request(resolved, app, credential.tokens.refresh_token);
    int64_t sent_at = emulator_now();
    auto parsed =
        flow::parse_token_response(resolved, http.send(request), sent_at, credential.tokens.scope);
    if (auto* error = std::get_if<flow::OAuthError>(&parsed))
      return *error;
    return flow::apply_refresh(credential, std::get<flow::TokenSet>(parsed), sent_at);
  }

  // Records of one endpoint, in order.
  std::vector<flow::EmulatorRecord> at(const std::string& endpoint) const {
    std::vector<flow::EmulatorRecord> out;
    for (auto& record : emulator->records())
      if (record.endpoint == endpoint)
        out.push_back(record);
    return out;
  }

  // Every problem the emulator found, joined (empty when it accepted everything).
  std::string problems() const {
    std::string out;
    for (auto& record : emulator->records())
      if (!record.problem.empty())
        out += record.endpoint + ": " + record.problem + "\n";
    return out;
  }

  std::string redirect_uri;
  int stored = 0; // credentials connect handed to the store
  int browser_status = 0;
  int64_t timeout_seconds = 20; // a bound for a flow that goes wrong, not a timing assertion

private:
  static net::CurlOptions curl() {
    net::CurlOptions options;
    options.total_timeout_seconds = 10;
    return options;
  }

  // What a browser does: GET the authorize URL, follow its redirect to the loopback.
  void browse(const std::string& url) {
    try {
      net::CurlHttpClient http(curl());
      flow::HttpResponse answer = http.send({"GET", url, {}, ""});
      if (answer.status == 302)
        if (auto location = flow::find_header(answer.headers, "Location"))
          answer = http.send({"GET", *location, {}, ""});
      browser_status = answer.status;
    } catch (const std::exception&) {
      browser_status = -1; // connect then times out, and the test says why
    }
  }
};

} // namespace oauthlink::test
