// SPDX-License-Identifier: MIT
// `oauthlink connect APP_ID`: the main job. Wires the flow to the loopback server, the
// browser, libcurl and the store; flow::connect does the rest.
#include "flow/connect.hpp"

#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "error.hpp"
#include "flow/authorize_url.hpp"
#include "flow/device.hpp"
#include "flow/post_auth.hpp"
#include "flow/redirect.hpp"
#include "flow/token_exchange.hpp"
#include "flow/url.hpp"
#include "net/curl_http_client.hpp"
#include "net/http_server.hpp"
#include "providers/discovery.hpp"
#include "sys/browser.hpp"
#include "sys/random.hpp"
#include "sys/signals.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>
#include <thread>

namespace oauthlink::cli {

using nlohmann::json;

namespace {

// Feeds redirect URLs pasted on stdin to the flow's handler, as if the browser had
// reached the loopback server (for a browser on another machine, issue 6). The pasted
// URL goes through the same checks: path, Host, state, iss.
class PasteBackServer : public flow::CallbackServer {
public:
  PasteBackServer(flow::CallbackServer& inner, flow::Progress& progress, std::string path)
      : m_inner(inner),
        m_progress(progress),
        m_path(std::move(path)) {}

  void serve(flow::RequestHandler handler) override {
    m_inner.serve(handler);
    auto stopped = m_stopped;
    flow::Progress* progress = &m_progress;
    std::string path = m_path;
    // Detached: a blocking read of stdin cannot be cancelled; it ends with the process.
    std::thread([handler, stopped, progress, path] {
      std::string line;
      while (!stopped->load() && std::getline(std::cin, line)) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
          line.pop_back();
        if (line.empty() || stopped->load())
          continue;
        auto url = flow::parse_url(line);
        if (!url) {
          progress->warn("that is not a URL; paste the whole address your browser shows");
          continue;
        }
        flow::ServerRequest request;
        request.method = "GET";
        request.path = url->path;
        request.query = url->query;
        request.headers = {{"Host", flow::authority(*url)}};
        flow::ServerReply reply = handler(request);
        if (reply.status == 404)
          progress->warn("that URL is not the callback (its path should be " + path + ")");
      }
    }).detach();
  }

  void stop() override {
    *m_stopped = true;
    m_inner.stop();
  }

private:
  flow::CallbackServer& m_inner;
  flow::Progress& m_progress;
  std::string m_path;
  std::shared_ptr<std::atomic<bool>> m_stopped = std::make_shared<std::atomic<bool>>(false);
};

struct ConnectOptions {
  std::string app_id;
  std::string scopes;
  std::string state;
  std::string redirect_uri;
  int64_t timeout = 300;
  bool no_browser = false;
  bool non_interactive = false;
  bool device = false;
  std::string grant = "authorization_code";
  std::vector<std::string> settings;
};

int64_t now_seconds() {
  return static_cast<int64_t>(std::time(nullptr));
}

} // namespace

net::CurlOptions curl_options(const AppContext& ctx) {
  net::CurlOptions options;
  // Proxies come from libcurl's own http_proxy / https_proxy / no_proxy handling.
  options.ca_file = ctx.options.ca_file;
  options.total_timeout_seconds = ctx.options.http_timeout;
  if (!ctx.options.quiet && !ctx.options.verbose) {
    auto spinner = std::make_shared<Spinner>(true);
    options.activity = [spinner](bool on) { on ? spinner->start() : spinner->stop(); };
  }
  options.connect_timeout_seconds =
      std::min(options.connect_timeout_seconds, ctx.options.http_timeout);
  if (const char* env = std::getenv("SSL_CERT_FILE"); options.ca_file.empty() && env && *env)
    options.ca_file = env;
  if (ctx.options.verbose)
    options.log = [](const std::string& line) { std::cerr << "oauthlink: http " << line << '\n'; };
  return options;
}

// RFC 8414 / OpenID discovery for an issuer: the first metadata document found wins; its
// issuer must equal the configured one.
providers::Metadata discover(flow::HttpClient& http, const std::string& issuer) {
  std::string tried;
  for (const auto& url : providers::metadata_urls(issuer)) {
    flow::HttpResponse response = http.send({"GET", url, {{"Accept", "application/json"}}, ""});
    if (response.status == 200)
      return providers::parse_metadata(response.body, issuer);
    tried += (tried.empty() ? "" : ", ") + url + " (HTTP " + std::to_string(response.status) + ")";
  }
  throw NetworkError("discovery: no metadata for issuer " + issuer + "; tried " + tried);
}

ResolvedApp resolve_app(AppContext& ctx, flow::HttpClient& http, const std::string& app_id,
                        const providers::StringMap& settings) {
  auto app = ctx.store().find_app(app_id);
  if (!app)
    throw Error("no app '" + app_id + "' (see 'oauthlink apps list')");
  const providers::Provider& entry = ctx.provider(app->provider);
  ResolvedApp resolved{*app, {}, std::nullopt};
  if (entry.discovery)
    resolved.metadata = discover(http, app->issuer);
  resolved.provider = flow::resolve_provider(entry, *app, settings,
                                             resolved.metadata ? &*resolved.metadata : nullptr);
  return resolved;
}

namespace {

int64_t mint_time() {
  return now_seconds();
}

// The client credentials grant: no browser, no user; the token is the app's own. Stored
// with metadata grant=client_credentials, so that `token` mints a new one when it expires.
void run_client_credentials(AppContext& ctx, const ConnectOptions& o) {
  net::CurlHttpClient http(curl_options(ctx));
  ResolvedApp resolved = resolve_app(ctx, http, o.app_id, parse_settings(o.settings));
  if (resolved.app.client_secret.empty())
    throw UsageError("the client credentials grant needs an app with a client secret");
  ctx.store().check_writable();
  flow::Credential credential =
      mint_client_credentials(http, resolved, flow::split_scopes(o.scopes), mint_time());
  credential.id = sys::random_id("cred");
  credential.app_id = resolved.app.id;
  credential.provider = resolved.provider.slug;
  credential.created_at = credential.updated_at;
  ctx.store().save_credential(credential);
  print_json({{"credential", flow::credential_json(credential)}, {"state", nullptr}});
}

} // namespace

flow::Credential mint_client_credentials(flow::HttpClient& http, const ResolvedApp& resolved,
                                         const std::vector<std::string>& requested, int64_t now) {
  auto scopes = requested.empty() ? resolved.app.scopes : requested;
  flow::HttpRequest request =
      flow::build_client_credentials_request(resolved.provider, resolved.app, scopes);
  flow::HttpResponse response = http.send(request);
  auto parsed =
      flow::parse_token_response(resolved.provider, response, now, flow::join_scopes(scopes, " "));
  if (auto* error = std::get_if<flow::OAuthError>(&parsed))
    throw ProviderError("token endpoint: "
                        + flow::scrub_secrets(error->message(), {resolved.app.client_secret}));
  flow::Credential c;
  c.tokens = std::get<flow::TokenSet>(parsed);
  c.metadata["grant"] = "client_credentials";
  c.metadata["scopes"] = scopes;
  c.updated_at = now;
  return c;
}

namespace {

// The device authorization grant (RFC 8628): the user approves on any device with a
// browser, by visiting a URL and typing a code; this process polls meanwhile.
void run_device(AppContext& ctx, const ConnectOptions& o, bool open_browser) {
  TerminalProgress progress(ctx.options.quiet, ctx.options.verbose);
  net::CurlHttpClient http(curl_options(ctx));
  ResolvedApp resolved = resolve_app(ctx, http, o.app_id, parse_settings(o.settings));
  const providers::Provider& provider = resolved.provider;
  if (provider.device_authorization_url.empty())
    throw UsageError("provider '" + provider.slug
                     + "' has no device authorization endpoint; use connect without --device");
  flow::require_secure_url(provider.device_authorization_url, "device authorization endpoint");
  ctx.store().check_writable();
  auto scopes = flow::effective_scopes(provider, resolved.app, flow::split_scopes(o.scopes));
  auto answer = http.send(flow::build_device_authorization_request(
      provider, resolved.app, provider.device_authorization_url, scopes));
  auto parsed = flow::parse_device_authorization(answer);
  if (auto* error = std::get_if<flow::OAuthError>(&parsed))
    throw ProviderError("device authorization: " + error->message());
  const auto& authorization = std::get<flow::DeviceAuthorization>(parsed);
  progress.info("To authorize " + provider.name + ", open this URL on any device:");
  progress.show_url(authorization.verification_uri);
  progress.info("and enter the code: " + authorization.user_code);
  const std::string& direct = authorization.verification_uri_complete.empty()
                                  ? authorization.verification_uri
                                  : authorization.verification_uri_complete;
  sys::SystemBrowser browser;
  if (open_browser && !browser.open(direct))
    progress.warn("could not start a browser; open the URL above yourself");
  flow::DevicePorts ports{http, now_seconds,
                          [](int64_t seconds) {
                            for (int64_t i = 0; i < seconds * 5 && !sys::interrupted(); ++i)
                              std::this_thread::sleep_for(std::chrono::milliseconds(200));
                          },
                          sys::interrupted};
  flow::TokenSet tokens = flow::poll_device_token(provider, resolved.app, authorization,
                                                  flow::join_scopes(scopes, " "), ports);
  // The same account details as after a browser sign-in (no callback values here).
  flow::PostAuthOutcome outcome = flow::run_post_authorization(provider, tokens, {}, http);
  for (const auto& warning : outcome.warnings)
    progress.warn(warning);
  for (const auto& [key, value] : outcome.kept.items())
    tokens.extra[key] = value;
  flow::Credential credential;
  credential.id = sys::random_id("cred");
  credential.app_id = resolved.app.id;
  credential.provider = provider.slug;
  credential.tokens = tokens;
  credential.metadata["grant"] = "device_code";
  credential.created_at = credential.updated_at = now_seconds();
  ctx.store().save_credential(credential);
  progress.info("Connected: " + credential.id);
  print_json({{"credential", flow::credential_json(credential)}, {"state", nullptr}});
}

void run_connect(AppContext& ctx, const ConnectOptions& o) {
  TerminalProgress progress(ctx.options.quiet, ctx.options.verbose);
  net::CurlHttpClient http(curl_options(ctx));
  ResolvedApp resolved = resolve_app(ctx, http, o.app_id, parse_settings(o.settings));
  const std::optional<providers::Metadata>& metadata = resolved.metadata;
  const providers::Provider& provider = resolved.provider;
  const flow::App* app = &resolved.app;

  if (o.grant == "client_credentials") {
    run_client_credentials(ctx, o);
    return;
  }
  if (o.grant != "authorization_code")
    throw UsageError("--grant must be authorization_code or client_credentials");

  // --non-interactive, or no terminal + CI + no $BROWSER: no person can approve, so say
  // so at once instead of waiting out the timeout. An explicit $BROWSER (a scripted user
  // agent in a smoke test) is honoured.
  const char* browser_env = std::getenv("BROWSER");
  bool has_browser = browser_env && *browser_env;
  bool no_person =
      o.non_interactive
      || (!isatty(STDIN_FILENO) && !isatty(STDERR_FILENO) && std::getenv("CI") && !has_browser);
  if (o.device && !(no_person && !has_browser)) {
    run_device(ctx, o, has_browser && !o.no_browser);
    return;
  }
  if (no_person && (!has_browser || o.no_browser))
    throw LoginRequired("connect needs a person to approve in a browser, and this run is "
                        "non-interactive; set $BROWSER to a scripted browser, or run connect "
                        "on a terminal");

  // Before anything is spent: a store that cannot be written would lose the credential.
  ctx.store().check_writable();

  std::vector<std::string> notes;
  flow::LoopbackPlan loopback =
      flow::plan_loopback(o.redirect_uri, ctx.store().list_redirects(), provider.slug, notes);
  for (const auto& note : notes)
    progress.info(note);

  if (o.timeout <= 0)
    throw UsageError("--timeout must be a positive number of seconds");
  std::string state = o.state;
  if (state.empty()) {
    state = sys::random_urlsafe(43); // 258 bits (SECURITY.md A2)
  } else if (state.size() > 512 || !flow::is_unreserved_text(state)) {
    throw UsageError("--state must be 1-512 characters of [A-Za-z0-9-._~]");
  } else if (state.size() < 22) {
    progress.warn("--state has fewer than 128 bits; a CSRF attacker may guess it");
  }

  // Bind before anything else: a taken fixed port fails closed, with no URL shown (B2).
  net::HttpServer server(net::ServerLimits{0, 10, 32});
  int port = server.bind(loopback.bind_host, loopback.port);

  flow::ConnectPlan plan;
  plan.provider = provider;
  plan.app = *app;
  plan.redirect_uri = loopback.uri(port);
  plan.expect.path = loopback.path;
  plan.expect.allowed_hosts = loopback.allowed_hosts(port);
  plan.expect.state = state;
  plan.expect.issuer = provider.issuer;
  plan.expect.iss_required = metadata && metadata->iss_parameter_supported;
  plan.expect.keep = provider.callback_keep;
  plan.code_verifier = provider.pkce == providers::Pkce::forbidden ? "" : sys::random_urlsafe(64);
  plan.scopes = flow::effective_scopes(provider, *app, flow::split_scopes(o.scopes));
  plan.timeout_seconds = o.timeout;
  plan.open_browser = !o.no_browser;

  sys::SystemBrowser browser;
  store::Store& store = ctx.store();
  PasteBackServer paste_back(server, progress, loopback.path);
  if (o.no_browser) {
    progress.info("No browser on this machine? Open the URL below elsewhere. Either forward the "
                  "port first (ssh -L "
                  + std::to_string(port) + ":127.0.0.1:" + std::to_string(port)
                  + " THIS_HOST), or paste here the address the browser ends on (it shows "
                    "\"cannot connect\" to 127.0.0.1).");
  }
  flow::ConnectPorts ports{http,
                           o.no_browser ? static_cast<flow::CallbackServer&>(paste_back) : server,
                           browser,
                           progress,
                           now_seconds,
                           sys::interrupted,
                           [&](const flow::TokenSet& tokens, const flow::Params& kept) {
                             flow::Credential credential;
                             credential.id = sys::random_id("cred");
                             credential.app_id = app->id;
                             credential.provider = provider.slug;
                             credential.tokens = tokens;
                             for (const auto& [key, value] : kept)
                               credential.tokens.extra[key] = value;
                             credential.created_at = credential.updated_at = now_seconds();
                             store.save_credential(credential);
                             return credential;
                           }};
  flow::Credential credential = flow::connect(plan, ports);
  progress.info("Connected: " + credential.id);
  print_json({{"credential", flow::credential_json(credential)}, {"state", state}});
}

} // namespace

void register_connect(CLI::App& root, AppContext& ctx) {
  auto o = std::make_shared<ConnectOptions>();
  auto* cmd = root.add_subcommand(
      "connect", "Authorize an app in the browser and print the new credential as JSON");
  cmd->add_option("APP_ID", o->app_id, "App id (app_…)")->required();
  cmd->add_option("--scopes", o->scopes, "Scopes to request (default: the app's)");
  cmd->add_option("--state", o->state, "The state value to send (default: 258 random bits)");
  cmd->add_option("--redirect-uri", o->redirect_uri,
                  "Loopback redirect URI to listen on (must be registered, if any are)");
  cmd->add_option("--timeout", o->timeout, "Seconds to wait for the browser (default 300)");
  cmd->add_flag("--no-browser", o->no_browser,
                "Do not start a browser: print the URL, and accept the redirect URL pasted on "
                "stdin");
  cmd->add_option("--grant", o->grant,
                  "authorization_code (default, with a browser) or client_credentials (the app "
                  "itself, no user)");
  cmd->add_flag("--device", o->device,
                "Device authorization grant (RFC 8628): show a URL and a code to enter on any "
                "device; opens $BROWSER at it when set");
  cmd->add_flag("--non-interactive", o->non_interactive,
                "Never wait for a person: exit 4 unless $BROWSER is set (automatic with CI set "
                "and no terminal)");
  cmd->add_option("--set", o->settings, "KEY=VALUE for the provider's URL templates")->take_all();
  cmd->callback([&ctx, o] { run_connect(ctx, *o); });
}

} // namespace oauthlink::cli
