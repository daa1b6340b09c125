// SPDX-License-Identifier: MIT
// The browser-facing half of the broker: /authorize, the provider callback, start-auth
// links and the RFC 8414 metadata. The token endpoint is in broker_token.cpp, /v1 in
// broker_api.cpp.
#include "flow/broker.hpp"

#include "error.hpp"
#include "flow/authorize_url.hpp"
#include "flow/callback.hpp"
#include "flow/html.hpp"
#include "flow/pkce.hpp"
#include "flow/post_auth.hpp"
#include "flow/redirect.hpp"
#include "flow/token_exchange.hpp"

#include <algorithm>

namespace oauthlink::flow {

using nlohmann::json;

namespace {

// The backend's send as an HttpClient, for the pure post-authorization runner.
class BackendHttp : public HttpClient {
public:
  explicit BackendHttp(BrokerBackend& backend)
      : m_backend(backend) {}
  HttpResponse send(const HttpRequest& request) override { return m_backend.send(request); }

private:
  BrokerBackend& m_backend;
};

constexpr std::string_view k_callback_prefix = "/link/oauth2/callback/";
constexpr std::string_view k_start_prefix = "/link/oauth2/start/";
constexpr size_t k_max_state_bytes = 4096;

bool valid_slug(std::string_view slug) {
  return !slug.empty() && slug.size() <= 32 && std::all_of(slug.begin(), slug.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ); space or comma between.
bool valid_scope_list(std::string_view scopes) {
  return std::all_of(scopes.begin(), scopes.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c == ' ' || c == ',' || (c >= 0x21 && c <= 0x7e && c != '"' && c != '\\');
  });
}

std::vector<std::string> split_scope_list(const std::string& text) {
  std::string spaced = text;
  std::replace(spaced.begin(), spaced.end(), ',', ' ');
  return split_scopes(spaced);
}

// C3: an error page, never a Location. The non-debug page names the fault briefly.
ServerReply authorize_error(const std::vector<std::string>& faults,
                            const std::vector<std::string>& compared, bool debug) {
  if (!debug)
    return html_page(400, "Invalid authorization request",
                     faults.front() + ". Add debug=true to the URL for details.");
  std::string body = "<p>The broker did not start a sign-in. What is wrong with this URL:</p><ul>";
  for (const auto& fault : faults)
    body += "<li>" + html_escape(fault) + "</li>";
  body += "</ul>";
  if (!compared.empty()) {
    body += "<p>Registered redirect URIs it was compared with (after :provider):</p><ul>";
    for (const auto& uri : compared)
      body += "<li><code>" + html_escape(uri) + "</code></li>";
    body += "</ul><p>Only the port of an http://127.0.0.1 or http://[::1] URI may differ "
            "(and only when the registered one names none).</p>";
  }
  body += "<p>Secrets, codes and tokens are never shown here.</p>";
  return html_page_raw(400, "Authorization request diagnostics", body);
}

} // namespace

std::string secret_hash(const std::string& secret) {
  return base64url(sha256(secret));
}

std::string broker_log_line(const ServerRequest& request, int status) {
  static const std::vector<std::string> k_shown = {
      "client_id", "redirect_uri", "scopes",        "debug",
      "provider",  "error",        "response_type", "code_challenge_method"};
  std::string path = request.path;
  // Start-auth links carry their token in the path.
  if (path.rfind(k_start_prefix, 0) == 0)
    path = std::string(k_start_prefix)
           + "[len=" + std::to_string(path.size() - k_start_prefix.size()) + "]";
  std::string line = request.method + " " + path;
  if (!request.query.empty()) {
    std::string query;
    size_t pos = 0;
    while (pos <= request.query.size()) {
      size_t amp = std::min(request.query.find('&', pos), request.query.size());
      std::string pair = request.query.substr(pos, amp - pos);
      size_t eq = pair.find('=');
      std::string name = pair.substr(0, eq);
      if (!query.empty())
        query += '&';
      if (eq == std::string::npos)
        query += name;
      else if (std::find(k_shown.begin(), k_shown.end(), name) != k_shown.end())
        query += pair;
      else
        query += name + "=[len=" + std::to_string(pair.size() - eq - 1) + "]";
      pos = amp + 1;
    }
    line += "?" + query;
  }
  return line + " " + std::to_string(status);
}

Broker::Broker(BrokerOptions options, BrokerBackend& backend, Random random, Clock now)
    : m_options(std::move(options)),
      m_backend(backend),
      m_random(std::move(random)),
      m_now(std::move(now)) {}

std::string Broker::provider_redirect_uri(const std::string& slug) const {
  return m_options.issuer + std::string(k_callback_prefix) + slug;
}

ServerReply Broker::handle(const ServerRequest& request) {
  // B3 / C11: DNS rebinding. Only the broker's own authority is served.
  auto host = find_header(request.headers, "Host");
  std::string lower = host.value_or("");
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (std::find(m_options.allowed_hosts.begin(), m_options.allowed_hosts.end(), lower)
      == m_options.allowed_hosts.end())
    return html_page(421, "Misdirected request", "This server does not answer for that host.");
  try {
    const std::string& path = request.path;
    if (path.rfind("/v1/", 0) == 0)
      return api(request);
    if (path == "/link/oauth2/token")
      return token(request);
    if (request.method != "GET")
      return html_page(405, "Method not allowed", "Use GET for this address.");
    if (path == "/link/oauth2/authorize")
      return authorize(request);
    if (path.rfind(k_callback_prefix, 0) == 0)
      return callback(request, path.substr(k_callback_prefix.size()));
    if (path.rfind(k_start_prefix, 0) == 0)
      return start_link(path.substr(k_start_prefix.size()));
    if (path == "/.well-known/oauth-authorization-server")
      return metadata();
    return html_page(404, "Not found", "This address is not part of the broker.");
  } catch (const StoreError&) {
    return html_page(500, "Broker error", "the broker's store failed; see its log");
  } catch (const Error& e) {
    return html_page(502, "Broker error", e.what());
  }
}

ServerReply Broker::metadata() const {
  // RFC 8414 §2; the broker is the authorization server of its apps (C10).
  return json_reply(200, {{"issuer", m_options.issuer},
                          {"authorization_endpoint", m_options.issuer + "/link/oauth2/authorize"},
                          {"token_endpoint", m_options.issuer + "/link/oauth2/token"},
                          {"response_types_supported", {"code"}},
                          {"grant_types_supported", {"authorization_code"}},
                          {"code_challenge_methods_supported", {"S256"}},
                          {"token_endpoint_auth_methods_supported",
                           {"client_secret_basic", "client_secret_post", "none"}},
                          {"authorization_response_iss_parameter_supported", true}});
}

std::vector<std::string> Broker::check_authorize(const AuthorizeInput& in, const App* app,
                                                 std::vector<std::string>& compared) {
  std::vector<std::string> faults;
  if (in.client_id.empty())
    faults.push_back("client_id is missing (it is the broker's app id, app_…)");
  else if (!app)
    faults.push_back("unknown app id '" + in.client_id
                     + "' (client_id is the broker's app id, see GET /v1/oauth-apps)");
  if (!in.response_type.empty() && in.response_type != "code")
    faults.push_back("response_type '" + in.response_type + "' is not supported; only code");
  if (in.redirect_uri.empty()) {
    faults.push_back("redirect_uri is missing");
  } else if (app) {
    bool matched = false;
    for (const auto& registered : m_backend.redirects()) {
      compared.push_back(substitute_provider(registered, app->provider));
      matched = matched || redirect_matches(registered, app->provider, in.redirect_uri);
    }
    if (!matched)
      faults.push_back("redirect_uri '" + in.redirect_uri + "' is not registered"
                       + (compared.empty() ? " (none are; see 'oauthlink redirects add')" : ""));
  }
  if (!valid_scope_list(in.scopes))
    faults.push_back("scopes is malformed: scope names are printable ASCII without quotes or "
                     "backslashes, separated by spaces or commas");
  if (in.state && in.state->size() > k_max_state_bytes)
    faults.push_back("state is longer than " + std::to_string(k_max_state_bytes) + " bytes");
  if (!in.code_challenge_method.empty() && in.code_challenge_method != "S256")
    faults.push_back("code_challenge_method must be S256");
  if (!in.code_challenge.empty()
      && (in.code_challenge.size() != 43 || !is_unreserved_text(in.code_challenge)))
    faults.push_back("code_challenge is not a BASE64URL SHA-256 (43 characters)");
  if (app && app->client_secret.empty() && in.code_challenge.empty())
    faults.push_back("the app is public (no client secret): code_challenge (PKCE S256) is "
                     "required");
  return faults;
}

ServerReply Broker::authorize(const ServerRequest& request) {
  auto params = parse_form(request.query);
  if (!params)
    return authorize_error({"the query is malformed (a bad %-escape)"}, {}, true);
  AuthorizeInput in;
  in.client_id = find_param(*params, "client_id").value_or("");
  in.redirect_uri = find_param(*params, "redirect_uri").value_or("");
  in.state = find_param(*params, "state");
  in.scopes = find_param(*params, "scopes").value_or(find_param(*params, "scope").value_or(""));
  in.code_challenge = find_param(*params, "code_challenge").value_or("");
  in.code_challenge_method = find_param(*params, "code_challenge_method").value_or("");
  in.response_type = find_param(*params, "response_type").value_or("");
  bool debug = find_param(*params, "debug").value_or("") == "true";

  std::optional<App> app;
  if (!in.client_id.empty())
    app = m_backend.find_app(in.client_id);
  std::vector<std::string> compared;
  auto faults = check_authorize(in, app ? &*app : nullptr, compared);
  if (!faults.empty())
    return authorize_error(faults, compared, debug);
  return begin_flow(*app, in);
}

ServerReply Broker::begin_flow(const App& app, const AuthorizeInput& in) {
  ResolvedProvider resolved = m_backend.resolve(app);
  const providers::Provider& provider = resolved.provider;
  // C4: the broker's own state and PKCE with the provider.
  std::string state = m_random(43);
  PendingFlow pending;
  pending.state_hash = secret_hash(state);
  pending.app_id = app.id;
  pending.provider = app.provider;
  pending.redirect_uri = in.redirect_uri;
  pending.app_state = in.state;
  pending.code_challenge = in.code_challenge;
  pending.code_verifier = provider.pkce == providers::Pkce::forbidden ? "" : m_random(64);
  pending.scopes = effective_scopes(provider, app, split_scope_list(in.scopes));
  pending.expires_at = m_now() + m_options.flow_ttl;
  m_backend.save_flow(pending);
  std::string url = build_authorize_url(
      provider, app,
      {provider_redirect_uri(app.provider), state, pending.code_verifier, pending.scopes});
  return redirect_to(url);
}

ServerReply Broker::start_link(const std::string& token) {
  auto link = m_backend.take_link(secret_hash(token));
  if (!link || link->expires_at < m_now())
    return html_page(410, "Link expired",
                     "This sign-in link was already used or has expired; ask the application "
                     "for a new one.");
  auto app = m_backend.find_app(link->app_id);
  if (!app)
    return html_page(400, "Invalid sign-in link", "the app of this link no longer exists");
  AuthorizeInput in;
  in.client_id = app->id;
  in.redirect_uri = link->redirect_uri;
  in.state = link->app_state;
  std::vector<std::string> compared;
  auto faults = check_authorize(in, &*app, compared);
  if (!faults.empty())
    return authorize_error(faults, compared, false);
  return begin_flow(*app, in);
}

ServerReply Broker::callback(const ServerRequest& request, const std::string& slug) {
  if (!valid_slug(slug)) // C2: never a path segment that is not a slug
    return html_page(400, "Sign-in not accepted", "the provider in the path is not a valid slug");
  auto params = parse_form(request.query);
  auto state = params ? find_param(*params, "state") : std::nullopt;
  if (!state)
    return html_page(400, "Sign-in not accepted", "state mismatch");
  std::string key = secret_hash(*state);
  auto pending = m_backend.find_flow(key);
  if (!pending || pending->expires_at < m_now())
    return html_page(400, "Sign-in not accepted",
                     "state mismatch: unknown or expired sign-in; start again from the app");
  // A6: the code goes only to the provider the flow started with.
  if (pending->provider != slug)
    return html_page(400, "Sign-in not accepted", "this sign-in was started for another provider");
  auto app = m_backend.find_app(pending->app_id);
  if (!app)
    return html_page(400, "Sign-in not accepted", "the app of this sign-in no longer exists");
  ResolvedProvider resolved = m_backend.resolve(*app);
  const providers::Provider& provider = resolved.provider;

  CallbackExpectation expect;
  expect.path = request.path;
  expect.allowed_hosts = m_options.allowed_hosts;
  expect.state = *state;
  expect.issuer = provider.issuer;
  expect.iss_required = resolved.iss_required;
  expect.keep = provider.callback_keep;
  CallbackResult result = check_callback(request, expect);
  if (result.kind == CallbackKind::stray || result.kind == CallbackKind::rejected)
    return result.reply;
  if (!m_backend.take_flow(key))
    return html_page(409, "Sign-in already received", "this sign-in was already completed");

  // C5/C9: back to the app, its own query kept, everything percent-encoded once.
  Params back;
  auto relay = [&](const std::string& error, const std::string& description) {
    back.emplace_back("error", error);
    if (!description.empty())
      back.emplace_back("error_description", description);
    if (pending->app_state)
      back.emplace_back("state", *pending->app_state);
    back.emplace_back("iss", m_options.issuer);
    return redirect_to(append_query(pending->redirect_uri, back));
  };
  if (result.kind == CallbackKind::error)
    return relay(result.error.error, result.error.description);

  const std::string redirect = provider_redirect_uri(slug);
  TokenResult parsed;
  try {
    HttpRequest exchange =
        build_code_exchange(provider, *app, result.code, redirect, pending->code_verifier);
    int64_t sent_at = m_now();
    HttpResponse response = m_backend.send(exchange);
    if (response.status >= 300 && response.status < 400)
      return relay("server_error", "the provider's token endpoint answered a redirect");
    parsed = parse_token_response(provider, response, sent_at, join_scopes(pending->scopes, " "));
  } catch (const NetworkError&) {
    return relay("temporarily_unavailable", "the provider's token endpoint could not be reached");
  }
  if (auto* error = std::get_if<OAuthError>(&parsed))
    return relay("server_error", "the provider refused the code exchange (" + error->error + ")");

  Credential credential;
  credential.app_id = app->id;
  credential.provider = app->provider;
  credential.tokens = std::get<TokenSet>(parsed);
  credential.tokens.warnings.clear();
  if (!provider.post_authorization.empty()) {
    // The catalog's post-authorization requests (account id, API base), as connect runs
    // them; a required one that fails stores nothing.
    BackendHttp http(m_backend);
    try {
      PostAuthOutcome outcome =
          run_post_authorization(provider, credential.tokens, result.kept, http);
      for (const auto& [name, value] : outcome.kept.items())
        credential.tokens.extra[name] = value;
    } catch (const NetworkError&) {
      return relay("temporarily_unavailable", "the provider's account details could not be "
                                              "fetched");
    } catch (const ProviderError&) {
      return relay("server_error", "the provider refused the request for the account's details");
    }
  }
  for (const auto& [name, value] : result.kept)
    credential.tokens.extra[name] = value;
  credential.metadata["broker"] = true;
  credential.created_at = credential.updated_at = m_now();
  credential = m_backend.save_credential(credential);

  // C6: >= 128 random bits (43 characters of 6 bits), short-lived, stored as a hash.
  std::string code = m_random(43);
  BrokerCode stored;
  stored.code_hash = secret_hash(code);
  stored.app_id = app->id;
  stored.redirect_uri = pending->redirect_uri;
  stored.app_state = pending->app_state;
  stored.code_challenge = pending->code_challenge;
  stored.credential_id = credential.id;
  stored.expires_at = m_now() + m_options.code_ttl;
  m_backend.save_code(stored);

  back.emplace_back("code", code);
  if (pending->app_state)
    back.emplace_back("state", *pending->app_state);
  back.emplace_back("iss", m_options.issuer);
  return redirect_to(append_query(pending->redirect_uri, back));
}

} // namespace oauthlink::flow
