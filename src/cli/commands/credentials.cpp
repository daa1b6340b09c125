// SPDX-License-Identifier: MIT
// `oauthlink credentials list|show`: the stored credentials, secrets masked.
#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "error.hpp"

#include <ctime>
#include <iostream>

namespace oauthlink::cli {

using nlohmann::json;

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
    std::vector<std::vector<std::string>> rows = {{"ID", "PROVIDER", "APP", "EXPIRES", "SCOPE"}};
    for (const auto& c : credentials) {
      std::string expires = !c.tokens.expires_at ? "never/unknown"
                            : *c.tokens.expires_at <= now
                                ? "expired " + flow::format_time(*c.tokens.expires_at)
                                : flow::format_time(*c.tokens.expires_at);
      rows.push_back({c.id, c.provider, c.app_id, expires, c.tokens.scope});
    }
    print_table(rows);
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
      } else if (!value.is_object()) {
        std::cout << key << ": " << (value.is_string() ? value.get<std::string>() : value.dump())
                  << '\n';
      }
    }
  });
}

} // namespace oauthlink::cli
