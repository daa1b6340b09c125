// SPDX-License-Identifier: MIT
// `oauthlink credentials list|show`: the stored credentials, secrets masked.
#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "error.hpp"
#include "flow/export.hpp"
#include "flow/lifecycle.hpp"
#include "sys/random.hpp"

#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>

namespace oauthlink::cli {

using nlohmann::json;

namespace {

struct ExportOptions {
  std::vector<std::string> ids;
  bool all = false;
  std::string format = "json";
  std::string prefix;
  bool prefix_given = false;
};

// "ok 2026-12-03T14:00:00Z" / "failed …" / "-" from a record_result entry.
std::string result_summary(const flow::Credential& c, const char* field) {
  auto it = c.metadata.find(field);
  if (it == c.metadata.end() || !it->is_object())
    return "-";
  return it->value("status", "?") + " " + it->value("at", "");
}

void append_to_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::app | std::ios::binary);
  if (!out || !(out << text))
    throw Error("cannot append to " + path);
}

void run_export(AppContext& ctx, const ExportOptions& o) {
  std::vector<std::string> ids = o.ids;
  if (o.all) {
    if (!ids.empty())
      throw UsageError("give credential ids or --all, not both");
    for (const auto& c : ctx.store().list_credentials())
      ids.push_back(c.id);
  }
  if (ids.empty())
    throw UsageError("name at least one credential, or --all");
  // Fresh tokens: each is refreshed first when it is (nearly) expired, as `token` does.
  std::vector<flow::Credential> credentials;
  for (const auto& id : ids)
    credentials.push_back(refresh_if_needed(ctx, id, std::nullopt, RefreshMode::when_needed));

  if (o.format == "json") {
    json out = json::array();
    for (const auto& c : credentials)
      out.push_back(flow::credential_json(c));
    print_json(ids.size() == 1 && !o.all ? out[0] : out);
    return;
  }
  if (o.format == "header") {
    if (credentials.size() != 1)
      throw UsageError("--format header takes exactly one credential");
    const auto& t = credentials[0].tokens;
    std::cout << "Authorization: " << flow::authorization_value(t) << '\n';
    return;
  }
  flow::EnvVars vars = flow::credentials_env(
      credentials, o.prefix_given ? std::optional<std::string>(o.prefix) : std::nullopt);
  if (o.format == "shell") {
    std::cout << flow::format_shell(vars);
  } else if (o.format == "env") {
    std::cout << flow::format_env(vars);
  } else if (o.format == "dotenv") {
    std::cout << flow::format_dotenv(vars);
  } else if (o.format == "github") {
    // Masks first, so that the runner hides the values from every later log line.
    std::cout << flow::format_github_masks(vars) << std::flush;
    const char* env_file = std::getenv("GITHUB_ENV");
    const char* output_file = std::getenv("GITHUB_OUTPUT");
    std::string delimiter = "OAUTHLINK_" + sys::random_urlsafe(24);
    if (env_file && *env_file)
      append_to_file(env_file, flow::format_github_env(vars, delimiter));
    if (output_file && *output_file) {
      flow::EnvVars lower;
      for (const auto& [name, value] : vars) {
        std::string key = name;
        for (auto& ch : key)
          ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        lower.emplace_back(key, value);
      }
      append_to_file(output_file, flow::format_github_env(lower, delimiter));
    }
    if (!(env_file && *env_file) && !(output_file && *output_file))
      std::cerr << "oauthlink: GITHUB_ENV and GITHUB_OUTPUT are not set; only the masks were "
                   "printed\n";
  } else {
    throw UsageError("--format must be json, env, dotenv, shell, github or header");
  }
}

} // namespace

void register_credentials(CLI::App& root, AppContext& ctx) {
  auto* group = root.add_subcommand("credentials", "The credentials oauthlink stored");
  group->require_subcommand(1);

  auto list_json = std::make_shared<bool>(false);
  auto* list = group->add_subcommand("list", "List stored credentials");
  list->add_flag("--json", *list_json, "Print a JSON array (secrets masked)");
  list->callback([&ctx, list_json] {
    auto now = static_cast<int64_t>(std::time(nullptr));
    auto credentials = ctx.store().list_credentials();
    if (*list_json) {
      json out = json::array();
      for (const auto& c : credentials)
        out.push_back(flow::credential_summary_json(c, now));
      print_json(out);
      return;
    }
    std::vector<std::vector<std::string>> rows = {
        {"ID", "PROVIDER", "APP", "EXPIRES", "SCOPE", "LAST REFRESH", "HEALTH"}};
    for (const auto& c : credentials) {
      std::string expires = !c.tokens.expires_at ? "never/unknown"
                            : *c.tokens.expires_at <= now
                                ? "expired " + flow::format_time(*c.tokens.expires_at)
                                : flow::format_time(*c.tokens.expires_at);
      rows.push_back({c.id, c.provider, c.app_id, expires, c.tokens.scope,
                      result_summary(c, "last_refresh"), result_summary(c, "health")});
    }
    print_table(rows);
  });

  auto export_opts = std::make_shared<ExportOptions>();
  auto* exp = group->add_subcommand(
      "export", "Print credentials for scripts (refreshed first when nearly expired)");
  exp->add_option("CRED", export_opts->ids, "Credential ids (cred_…)");
  exp->add_flag("--all", export_opts->all, "Every stored credential");
  exp->add_option("--format", export_opts->format,
                  "json (default), env (NAME='v'), shell (export NAME='v'), dotenv, github "
                  "(masks, then $GITHUB_ENV / $GITHUB_OUTPUT), header (Authorization: …)");
  exp->add_option("--prefix", export_opts->prefix,
                  "Variable name prefix (default: the provider, e.g. GITHUB)")
      ->each([export_opts](const std::string&) { export_opts->prefix_given = true; });
  exp->callback([&ctx, export_opts] { run_export(ctx, *export_opts); });

  register_credential_lifecycle(*group, ctx);

  auto delete_id = std::make_shared<std::string>();
  auto* del = group->add_subcommand("delete", "Delete a stored credential (no provider call)");
  del->add_option("CRED", *delete_id, "Credential id (cred_…)")->required();
  del->callback([&ctx, delete_id] {
    if (!ctx.store().delete_credential(*delete_id))
      throw Error("no credential '" + *delete_id + "' (see 'oauthlink credentials list')");
    std::cout << "deleted " << *delete_id << '\n';
  });

  struct ShowOptions {
    std::string id;
    bool json = false;
    bool reveal = false;
  };
  auto show_opts = std::make_shared<ShowOptions>();
  auto* show = group->add_subcommand("show", "Show one credential (secrets masked)");
  show->add_option("ID", show_opts->id, "Credential id (cred_…)")->required();
  show->add_flag("--json", show_opts->json, "Print JSON");
  show->add_flag("--reveal", show_opts->reveal, "Include the token values");
  show->callback([&ctx, show_opts] {
    auto c = ctx.store().find_credential(show_opts->id);
    if (!c)
      throw Error("no credential '" + show_opts->id + "' (see 'oauthlink credentials list')");
    auto now = static_cast<int64_t>(std::time(nullptr));
    json j = show_opts->reveal ? flow::credential_json(*c) : flow::credential_summary_json(*c, now);
    if (show_opts->json) {
      print_json(j);
      return;
    }
    for (const auto& [key, value] : j.items()) {
      if (key == "properties") {
        for (const auto& [pk, pv] : value.items())
          if (!pv.is_null())
            std::cout << pk << ": " << (pv.is_string() ? pv.get<std::string>() : pv.dump()) << '\n';
      } else if (key == "metadata") {
        for (const char* field : {"last_refresh", "health"}) {
          if (!value.contains(field))
            continue;
          std::cout << field << ": " << result_summary(*c, field);
          if (value[field].contains("reason"))
            std::cout << " (" << terminal_safe(value[field].value("reason", "")) << ")";
          std::cout << '\n';
        }
      } else if (!value.is_object()) {
        std::cout << key << ": " << (value.is_string() ? value.get<std::string>() : value.dump())
                  << '\n';
      }
    }
  });
}

} // namespace oauthlink::cli
