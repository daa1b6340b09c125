// SPDX-License-Identifier: MIT
// `oauthlink apps add|list|show|remove`: the OAuth apps the user registered at providers.
#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "error.hpp"
#include "flow/authorize_url.hpp"
#include "flow/credential.hpp"
#include "flow/url.hpp"
#include "providers/template.hpp"
#include "providers/variants.hpp"
#include "sys/random.hpp"
#include "sys/terminal.hpp"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

namespace oauthlink::cli {

using nlohmann::json;

providers::StringMap parse_settings(const std::vector<std::string>& pairs) {
  providers::StringMap out;
  for (const auto& pair : pairs) {
    auto eq = pair.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("--set expects KEY=VALUE, got '" + pair + "'");
    out[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return out;
}

namespace {

json app_json(const flow::App& app) {
  return {{"id", app.id},
          {"provider", app.provider},
          {"name", app.name},
          {"client_id", app.client_id},
          {"client_secret",
           app.client_secret.empty() ? json(nullptr) : json(flow::redact(app.client_secret))},
          {"scopes", app.scopes},
          {"settings", app.settings},
          {"issuer", app.issuer},
          {"authorization_url", app.authorization_url},
          {"token_url", app.token_url},
          {"auth_method", app.auth_method},
          {"environment", app.environment},
          {"created_at", flow::format_time(app.created_at)}};
}

struct AddOptions {
  std::string slug;
  std::string client_id;
  bool secret_stdin = false;
  std::string secret_file;
  std::string secret_argv;
  std::string name;
  std::string scopes;
  std::vector<std::string> settings;
  std::string issuer;
  std::string authorization_url;
  std::string token_url;
  std::string auth_method;
  std::string environment;
  bool json = false;
};

void add_app(AppContext& ctx, const AddOptions& o) {
  if (!o.secret_argv.empty())
    throw UsageError("--client-secret is refused: a secret on the command line is visible to "
                     "every user in 'ps'. Use --client-secret-stdin or --client-secret-file");
  if (o.secret_stdin && !o.secret_file.empty())
    throw UsageError("give --client-secret-stdin or --client-secret-file, not both");
  const providers::Provider& entry = ctx.provider(o.slug);
  if (o.client_id.empty())
    throw UsageError("--client-id must not be empty");
  if (flow::has_control_char(o.client_id) || flow::has_control_char(o.name))
    throw UsageError("--client-id and --name must not contain control characters");

  flow::App app;
  app.provider = entry.slug;
  app.client_id = o.client_id;
  app.name = o.name.empty() ? entry.name : o.name;
  app.scopes = flow::split_scopes(o.scopes);
  app.settings = parse_settings(o.settings);
  app.issuer = o.issuer;
  app.authorization_url = o.authorization_url;
  app.token_url = o.token_url;
  app.auth_method = o.auth_method;
  providers::check_environment(entry, o.environment); // UsageError listing the known ones
  app.environment = o.environment;
  if (o.secret_stdin && sys::stdin_is_terminal()) {
    // On a terminal: a prompt, no echo, and Enter ends the secret (E1: from the tty).
    auto secret = sys::read_secret_from_terminal("Client secret for " + o.client_id + ": ");
    std::istringstream line(secret.value_or(""));
    app.client_secret = read_secret_stream(line, "--client-secret-stdin");
  } else if (o.secret_stdin) {
    app.client_secret = read_secret_stream(std::cin, "--client-secret-stdin");
  } else if (!o.secret_file.empty()) {
    std::ifstream in(o.secret_file, std::ios::binary);
    if (!in)
      throw UsageError("--client-secret-file: cannot read " + o.secret_file);
    app.client_secret = read_secret_stream(in, "--client-secret-file");
  }

  if (entry.discovery && app.issuer.empty())
    throw UsageError("provider '" + entry.slug + "' needs --issuer URL");
  if (!entry.discovery && !app.issuer.empty())
    throw UsageError("--issuer is only for discovery providers such as 'oidc'");
  for (const auto& [value, flag] : {std::pair{&app.issuer, "--issuer"},
                                    std::pair{&app.authorization_url, "--authorization-url"},
                                    std::pair{&app.token_url, "--token-url"}}) {
    if (value->empty())
      continue;
    try {
      flow::require_secure_url(*value, flag);
    } catch (const Error& e) {
      throw UsageError(e.what());
    }
  }
  if (!app.auth_method.empty()) {
    auto method = providers::parse_auth_method(app.auth_method);
    if (!method || *method == providers::AuthMethod::both)
      throw UsageError("--auth-method must be client_secret_basic, client_secret_post or none");
    if (*method != providers::AuthMethod::none && app.client_secret.empty())
      throw UsageError("--auth-method " + app.auth_method
                       + " needs a client secret (--client-secret-stdin or --client-secret-file)");
  }
  const auto names = providers::setting_names(entry);
  for (const auto& [key, value] : app.settings) {
    (void)value;
    if (std::find(names.begin(), names.end(), key) == names.end())
      throw UsageError("--set " + key + ": provider '" + entry.slug + "' has no {" + key
                       + "} placeholder");
  }
  // Validates the template values now, so that a bad --set fails at registration.
  if (!entry.discovery) {
    try {
      flow::resolve_provider(entry, app, {}, nullptr);
    } catch (const UsageError& e) {
      // A placeholder may still be given at connect time; say so now.
      std::cerr << "oauthlink: note: " << e.what() << " (at connect time)\n";
    }
  }
  app.id = sys::random_id("app");
  app.created_at = static_cast<int64_t>(std::time(nullptr));
  ctx.store().add_app(app);
  if (o.json)
    print_json(app_json(app));
  else
    std::cout << app.id << '\n';
}

} // namespace

void register_apps(CLI::App& root, AppContext& ctx) {
  auto* group = root.add_subcommand("apps", "The OAuth apps you registered at providers");
  group->require_subcommand(1);

  auto add_opts = std::make_shared<AddOptions>();
  auto* add = group->add_subcommand("add", "Register an OAuth app; prints its id (app_…)");
  add->add_option("SLUG", add_opts->slug, "Provider slug (see 'providers list')")->required();
  add->add_option("--client-id", add_opts->client_id, "The app's client_id at the provider")
      ->required();
  add->add_flag("--client-secret-stdin", add_opts->secret_stdin,
                "Read the client secret from standard input");
  add->add_option("--client-secret-file", add_opts->secret_file,
                  "Read the client secret from a file");
  add->add_option("--client-secret", add_opts->secret_argv, "Refused: use the two above")
      ->group("");
  add->add_option("--name", add_opts->name, "A name for the app");
  add->add_option("--scopes", add_opts->scopes, "Default scopes, e.g. \"repo read:user\"");
  add->add_option("--set", add_opts->settings, "KEY=VALUE for the provider's URL templates")
      ->take_all();
  add->add_option("--issuer", add_opts->issuer, "Issuer URL (discovery providers such as oidc)");
  add->add_option("--authorization-url", add_opts->authorization_url,
                  "Override the catalog's authorization endpoint");
  add->add_option("--token-url", add_opts->token_url, "Override the catalog's token endpoint");
  add->add_option("--auth-method", add_opts->auth_method,
                  "client_secret_basic, client_secret_post or none");
  add->add_option("--environment", add_opts->environment,
                  "A catalog environment of the provider, e.g. sandbox (see 'providers show')");
  add->add_flag("--json", add_opts->json, "Print the app as JSON (secret masked)");
  add->callback([&ctx, add_opts] { add_app(ctx, *add_opts); });

  auto list_json = std::make_shared<bool>(false);
  auto* list = group->add_subcommand("list", "List registered apps");
  list->add_flag("--json", *list_json, "Print a JSON array");
  list->callback([&ctx, list_json] {
    auto apps = ctx.store().list_apps();
    if (*list_json) {
      json out = json::array();
      for (const auto& app : apps)
        out.push_back(app_json(app));
      print_json(out);
      return;
    }
    std::vector<std::vector<std::string>> rows = {{"ID", "PROVIDER", "NAME", "CLIENT_ID"}};
    for (const auto& app : apps)
      rows.push_back({app.id, app.provider, app.name, app.client_id});
    print_table(rows);
  });

  struct IdOptions {
    std::string id;
    bool json = false;
  };
  auto show_opts = std::make_shared<IdOptions>();
  auto* show = group->add_subcommand("show", "Show one app (secret masked)");
  show->add_option("ID", show_opts->id, "App id (app_…)")->required();
  show->add_flag("--json", show_opts->json, "Print JSON");
  show->callback([&ctx, show_opts] {
    auto app = ctx.store().find_app(show_opts->id);
    if (!app)
      throw Error("no app '" + show_opts->id + "' (see 'oauthlink apps list')");
    json j = app_json(*app);
    if (show_opts->json) {
      print_json(j);
      return;
    }
    for (const auto& [key, value] : j.items()) {
      std::string text = value.is_string() ? value.get<std::string>() : value.dump();
      if (!text.empty() && text != "null" && text != "[]" && text != "{}")
        std::cout << key << ": " << text << '\n';
    }
  });

  struct RemoveOptions : IdOptions {
    bool with_credentials = false;
  };
  auto remove_opts = std::make_shared<RemoveOptions>();
  auto* remove = group->add_subcommand("remove", "Remove an app");
  remove->add_option("ID", remove_opts->id, "App id (app_…)")->required();
  remove->add_flag("--json", remove_opts->json, "Print JSON");
  remove->add_flag("--with-credentials", remove_opts->with_credentials,
                   "Also delete the app's stored credentials (no provider call)");
  remove->callback([&ctx, remove_opts] {
    const std::string& id = remove_opts->id;
    if (!ctx.store().find_app(id))
      throw Error("no app '" + id + "'");
    // A credential without its app can no longer be refreshed or revoked: refuse to
    // orphan it unless asked to delete it too.
    std::vector<std::string> owned;
    for (const auto& credential : ctx.store().list_credentials())
      if (credential.app_id == id)
        owned.push_back(credential.id);
    if (!owned.empty() && !remove_opts->with_credentials)
      throw Error("app '" + id + "' still has " + std::to_string(owned.size()) + " credential(s) ("
                  + owned.front() + (owned.size() > 1 ? ", ..." : "")
                  + "); revoke or delete them first, or pass --with-credentials");
    for (const auto& credential_id : owned)
      ctx.store().delete_credential(credential_id);
    if (!ctx.store().remove_app(id))
      throw Error("no app '" + id + "'");
    if (remove_opts->json)
      print_json({{"id", id}, {"removed", true}, {"credentials_deleted", owned.size()}});
    else
      std::cout << "removed " << remove_opts->id << '\n';
  });
}

} // namespace oauthlink::cli
