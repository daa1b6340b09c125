// SPDX-License-Identifier: MIT
// `oauthlink credentials revoke|verify|import`: the rest of a credential's life after
// connect (RFC 7009 revocation, a userinfo check recorded as health, idempotent import).
#include "flow/lifecycle.hpp"

#include "cli/commands/commands.hpp"
#include "error.hpp"
#include "flow/authorize_url.hpp"
#include "flow/url.hpp"
#include "sys/random.hpp"

#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

namespace oauthlink::cli {

namespace {

int64_t now_seconds() {
  return static_cast<int64_t>(std::time(nullptr));
}

flow::Credential find_or_fail(AppContext& ctx, const std::string& id) {
  auto c = ctx.store().find_credential(id);
  if (!c)
    throw Error("no credential '" + id + "' (see 'oauthlink credentials list')");
  return *c;
}

// Sends a revocation request; a 503 with a short Retry-After is tried once more (F4).
flow::HttpResponse send_revocation(flow::HttpClient& http, const flow::HttpRequest& request) {
  flow::HttpResponse response = http.send(request);
  if (response.status == 503) {
    auto after = flow::find_header(response.headers, "Retry-After");
    char* end = nullptr;
    long seconds = after ? std::strtol(after->c_str(), &end, 10) : -1;
    if (after && end && *end == '\0' && seconds >= 0 && seconds <= 10) {
      std::this_thread::sleep_for(std::chrono::seconds(seconds));
      response = http.send(request);
    }
  }
  return response;
}

void run_revoke(AppContext& ctx, const std::string& id, bool force) {
  flow::Credential c = find_or_fail(ctx, id);
  net::CurlHttpClient http(curl_options(ctx));
  std::string endpoint;
  try {
    ResolvedApp resolved = resolve_app(ctx, http, c.app_id, {});
    endpoint = resolved.provider.revocation_url;
    if (endpoint.empty() && !force)
      throw Error("provider '" + c.provider
                  + "' has no revocation endpoint in the catalog; revoke the grant on the "
                    "provider's site, then use --force to delete the credential here");
    if (!endpoint.empty()) {
      flow::require_secure_url(endpoint, "revocation endpoint");
      for (const auto& request :
           flow::build_revocation_requests(resolved.provider, resolved.app, c.tokens)) {
        auto failure = flow::revocation_failure(send_revocation(http, request));
        if (failure)
          throw ProviderError("revocation refused at " + flow::url_without_query(endpoint) + " ("
                              + *failure + "); the credential is kept");
      }
    }
  } catch (const Error& e) {
    if (!force)
      throw;
    std::cerr << "oauthlink: warning: " << e.what() << "; deleting it anyway (--force)\n";
    endpoint.clear();
  }
  ctx.store().delete_credential(id);
  std::cout << (endpoint.empty() ? "deleted " : "revoked and deleted ") << id << '\n';
}

void run_verify(AppContext& ctx, const std::string& id, bool quiet) {
  flow::Credential c;
  try {
    c = refresh_if_needed(ctx, id, std::nullopt, RefreshMode::when_needed);
  } catch (const LoginRequired& e) {
    record_credential_result(ctx, id, "health", false, e.what());
    throw;
  }
  net::CurlHttpClient http(curl_options(ctx));
  ResolvedApp resolved = resolve_app(ctx, http, c.app_id, {});
  const std::string& url = resolved.provider.userinfo_url;
  if (url.empty())
    throw Error("provider '" + c.provider
                + "' has no userinfo_url in the catalog: nothing to verify against");
  flow::require_secure_url(url, "userinfo endpoint");
  flow::HttpResponse response;
  try {
    response = http.send(flow::build_userinfo_request(url, c.tokens));
    // A rejected token may have been revoked or expired early: refresh once and retry (F1).
    if (flow::classify_userinfo(response) == flow::Verdict::rejected
        && !c.tokens.refresh_token.empty()) {
      c = refresh_if_needed(ctx, id, std::nullopt, RefreshMode::always);
      response = http.send(flow::build_userinfo_request(url, c.tokens));
    }
  } catch (const Error& e) {
    record_credential_result(ctx, id, "health", false, e.what());
    throw;
  }
  std::string where = flow::url_without_query(url);
  switch (flow::classify_userinfo(response)) {
  case flow::Verdict::accepted:
    record_credential_result(ctx, id, "health", true, "");
    if (!quiet)
      std::cout << "ok: " << id << " accepted by " << where << '\n';
    return;
  case flow::Verdict::rejected: {
    std::string why = where + " rejected the token (HTTP " + std::to_string(response.status) + ")";
    record_credential_result(ctx, id, "health", false, why);
    throw LoginRequired(why + "; run 'oauthlink connect " + c.app_id + "' again");
  }
  case flow::Verdict::failed: {
    std::string why = where + " answered HTTP " + std::to_string(response.status);
    record_credential_result(ctx, id, "health", false, why);
    throw ProviderError(why + "; the token could not be checked");
  }
  }
}

std::string read_input(const std::string& file) {
  constexpr size_t k_limit = 1024 * 1024;
  if (file == "-")
    return read_bounded(std::cin, k_limit, "import");
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw UsageError("import: cannot read " + file);
  return read_bounded(in, k_limit, "import");
}

void run_import(AppContext& ctx, const std::string& file, bool force) {
  flow::Credential c = flow::parse_credential_import(read_input(file), now_seconds());
  auto& store = ctx.store();
  auto app = store.find_app(c.app_id);
  if (!app)
    throw UsageError("import: no app '" + c.app_id
                     + "' here; add it with 'oauthlink apps add' "
                       "(or edit oauth_app_id)");
  if (app->provider != c.provider)
    throw UsageError("import: app " + c.app_id + " is a " + app->provider + " app, not "
                     + c.provider);
  // Idempotent: the same id, or the same account of the same app, is updated in place.
  std::string identity = flow::account_identity(c);
  bool updated = false;
  for (const auto& existing : store.list_credentials()) {
    bool same_id = !c.id.empty() && existing.id == c.id;
    bool same_account = existing.app_id == c.app_id && existing.provider == c.provider
                        && flow::account_identity(existing) == identity;
    if (same_id && (existing.app_id != c.app_id || existing.provider != c.provider))
      throw UsageError("import: " + c.id + " already exists for another app");
    if (same_id || (c.id.empty() && same_account)) {
      // An export made before a refresh holds a refresh token the provider has since
      // rotated away: replacing the stored one would lose the only working token.
      if (!force && existing.updated_at > c.updated_at
          && existing.tokens.refresh_token != c.tokens.refresh_token)
        throw Error("import: " + existing.id + " changed after this export was made (updated "
                    + flow::format_time(existing.updated_at)
                    + "); importing it would replace a newer refresh token. Export it "
                      "again, or pass --force");
      c.id = existing.id;
      c.created_at = existing.created_at;
      updated = true;
      break;
    }
  }
  if (c.id.empty())
    c.id = sys::random_id("cred");
  c.updated_at = now_seconds();
  store.save_credential(c);
  std::cout << (updated ? "updated " : "imported ") << c.id << '\n';
}

} // namespace

void record_credential_result(AppContext& ctx, const std::string& id, const std::string& field,
                              bool ok, const std::string& reason) {
  try {
    ctx.store().update_credential(id, [&](flow::Credential& c) {
      flow::record_result(c, field, ok, now_seconds(), reason);
      return true;
    });
  } catch (const Error& e) {
    // A read-only store cannot record; the command's own result still stands.
    std::cerr << "oauthlink: warning: could not record " << field << ": " << e.what() << '\n';
  }
}

void register_credential_lifecycle(CLI::App& group, AppContext& ctx) {
  struct RevokeOptions {
    std::string id;
    bool force = false;
  };
  auto revoke_opts = std::make_shared<RevokeOptions>();
  auto* revoke = group.add_subcommand(
      "revoke", "Revoke a credential at the provider (RFC 7009), then delete it here");
  revoke->add_option("CRED", revoke_opts->id, "Credential id (cred_…)")->required();
  revoke->add_flag("--force", revoke_opts->force,
                   "Delete it here even when the provider has no revocation endpoint or refuses");
  revoke->callback([&ctx, revoke_opts] { run_revoke(ctx, revoke_opts->id, revoke_opts->force); });

  auto verify_id = std::make_shared<std::string>();
  auto* verify = group.add_subcommand(
      "verify", "Check the token at the provider's userinfo endpoint; exit 0 only if accepted");
  verify->add_option("CRED", *verify_id, "Credential id (cred_…)")->required();
  verify->callback([&ctx, verify_id] { run_verify(ctx, *verify_id, ctx.options.quiet); });

  struct ImportOptions {
    std::string file;
    bool force = false;
  };
  auto import_opts = std::make_shared<ImportOptions>();
  auto* import = group.add_subcommand(
      "import", "Store a credential given as JSON (the shape 'credentials export' prints)");
  import->add_option("FILE", import_opts->file, "JSON file, or - for stdin")->required();
  import->add_flag("--force", import_opts->force,
                   "Replace a stored credential even when it changed after the export");
  import->callback(
      [&ctx, import_opts] { run_import(ctx, import_opts->file, import_opts->force);
});
} // namespace oauthlink::cli

} // namespace oauthlink::cli
