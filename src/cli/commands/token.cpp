// SPDX-License-Identifier: MIT
// `oauthlink token CRED` prints a fresh access token, refreshing first when it is (nearly)
// expired; `oauthlink refresh CRED` forces a refresh. A refresh is one store transaction:
// lock, re-read, still needed?, call the provider, persist, unlock, then print (E5, E6).
#include "cli/commands/commands.hpp"
#include "error.hpp"
#include "flow/authorize_url.hpp"
#include "flow/lifecycle.hpp"
#include "flow/refresh.hpp"
#include "flow/token_exchange.hpp"

#include <ctime>
#include <iostream>

namespace oauthlink::cli {

namespace {

int64_t now_seconds() {
  return static_cast<int64_t>(std::time(nullptr));
}

flow::Credential refresh_locked(AppContext& ctx, flow::HttpClient& http,
                                const ResolvedApp& resolved, const std::string& id,
                                const std::string& before, std::optional<int64_t> min_ttl,
                                RefreshMode mode, bool minted);

struct TokenOptions {
  std::string id;
  std::optional<int64_t> min_ttl;
};

} // namespace

flow::Credential refresh_if_needed(AppContext& ctx, const std::string& id,
                                   std::optional<int64_t> min_ttl, RefreshMode mode) {
  using Mode = RefreshMode;
  auto stored = ctx.store().find_credential(id);
  if (!stored)
    throw Error("no credential '" + id + "' (see 'oauthlink credentials list')");
  if (mode == Mode::when_needed && !flow::needs_refresh(*stored, now_seconds(), min_ttl))
    return *stored;
  bool minted = stored->metadata.value("grant", "") == "client_credentials";
  if (stored->tokens.refresh_token.empty() && !minted)
    throw LoginRequired("credential " + id
                        + " has expired and has no refresh token; run 'oauthlink connect "
                        + stored->app_id + "' again");

  net::CurlHttpClient http(curl_options(ctx));
  ResolvedApp resolved = resolve_app(ctx, http, stored->app_id, {});
  // Under the write lock: another process may have refreshed while this one waited.
  const std::string before = stored->tokens.access_token;
  try {
    return refresh_locked(ctx, http, resolved, id, before, min_ttl, mode, minted);
  } catch (const StoreError&) {
    throw; // nothing was asked of the provider (E6), or the store itself failed
  } catch (const Error& e) {
    record_credential_result(ctx, id, "last_refresh", false, e.what());
    throw;
  }
}

namespace {

flow::Credential refresh_locked(AppContext& ctx, flow::HttpClient& http,
                                const ResolvedApp& resolved, const std::string& id,
                                const std::string& before, std::optional<int64_t> min_ttl,
                                RefreshMode mode, bool minted) {
  using Mode = RefreshMode;
  return ctx.store().update_credential(id, [&](flow::Credential& c) {
    // Another process refreshed while this one waited for the lock: use its tokens.
    if (c.tokens.access_token != before)
      return false;
    if (mode == Mode::when_needed && !flow::needs_refresh(c, now_seconds(), min_ttl))
      return false;
    if (minted) {
      // Client credentials: no refresh token; the app simply asks again (RFC 6749 §4.4.3).
      auto scopes = c.metadata.value("scopes", std::vector<std::string>{});
      flow::Credential fresh = mint_client_credentials(http, resolved, scopes, now_seconds());
      c = flow::apply_refresh(c, fresh.tokens, fresh.updated_at);
      flow::record_result(c, "last_refresh", true, fresh.updated_at, "");
      return true;
    }
    flow::HttpRequest request =
        flow::build_refresh_request(resolved.provider, resolved.app, c.tokens.refresh_token);
    int64_t sent_at = now_seconds();
    flow::HttpResponse response = http.send(request);
    if (response.status >= 300 && response.status < 400)
      throw ProviderError("refresh: the token endpoint answered a redirect (HTTP "
                          + std::to_string(response.status) + "); not followed");
    auto parsed = flow::parse_token_response(resolved.provider, response, sent_at, c.tokens.scope);
    if (auto* error = std::get_if<flow::OAuthError>(&parsed)) {
      // F2: a transient failure (5xx) changes nothing; a refused refresh token needs a
      // new login, but the stored tokens stay for the user to inspect or revoke.
      std::string message = flow::scrub_secrets(
          error->message(), {c.tokens.refresh_token, resolved.app.client_secret});
      if (error->error == "invalid_grant" || error->error == "invalid_client")
        throw LoginRequired("refresh refused (" + message + "); run 'oauthlink connect " + c.app_id
                            + "' again");
      throw ProviderError("refresh failed: " + message);
    }
    const auto& fresh = std::get<flow::TokenSet>(parsed);
    for (const auto& warning : fresh.warnings)
      std::cerr << "oauthlink: warning: " << warning << '\n';
    c = flow::apply_refresh(c, fresh, sent_at);
    flow::record_result(c, "last_refresh", true, sent_at, "");
    return true;
  });
}

} // namespace

void register_token(CLI::App& root, AppContext& ctx) {
  auto token_opts = std::make_shared<TokenOptions>();
  auto* token = root.add_subcommand(
      "token", "Print a valid access token, refreshing it first when it (nearly) expired");
  token->add_option("CRED", token_opts->id, "Credential id (cred_…)")->required();
  token->add_option("--min-ttl", token_opts->min_ttl,
                    "Refresh when the token expires within this many seconds (default 60, at "
                    "most a tenth of its lifetime)");
  token->callback([&ctx, token_opts] {
    if (token_opts->min_ttl && *token_opts->min_ttl < 0)
      throw UsageError("--min-ttl must not be negative");
    auto c = refresh_if_needed(ctx, token_opts->id, token_opts->min_ttl, RefreshMode::when_needed);
    std::cout << c.tokens.access_token << std::endl;
  });

  auto refresh_id = std::make_shared<std::string>();
  auto* refresh = root.add_subcommand("refresh", "Refresh a credential now and print its token");
  refresh->add_option("CRED", *refresh_id, "Credential id (cred_…)")->required();
  refresh->callback([&ctx, refresh_id] {
    auto c = refresh_if_needed(ctx, *refresh_id, std::nullopt, RefreshMode::always);
    std::cout << c.tokens.access_token << std::endl;
  });
}

} // namespace oauthlink::cli
