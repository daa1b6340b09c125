// SPDX-License-Identifier: MIT
// `oauthlink redirects add|list|remove`: the redirect URIs the user allows.
#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "error.hpp"
#include "flow/redirect.hpp"

#include <iostream>

namespace oauthlink::cli {

void register_redirects(CLI::App& root, AppContext& ctx) {
  auto* group = root.add_subcommand("redirects", "The redirect URIs you allow (':provider' "
                                                 "stands for the provider's slug)");
  group->require_subcommand(1);

  auto add_uri = std::make_shared<std::string>();
  auto* add = group->add_subcommand("add", "Allow a redirect URI");
  add->add_option("URI", *add_uri, "e.g. http://127.0.0.1:8765/callback/:provider")->required();
  add->callback([&ctx, add_uri] {
    if (auto problem = flow::check_redirect_template(*add_uri))
      throw UsageError("redirect URI: " + *problem);
    if (ctx.store().add_redirect(*add_uri))
      std::cout << "added " << *add_uri << '\n';
    else
      std::cout << "already registered: " << *add_uri << '\n';
  });

  auto list_json = std::make_shared<bool>(false);
  auto* list = group->add_subcommand("list", "List allowed redirect URIs");
  list->add_flag("--json", *list_json, "Print a JSON array");
  list->callback([&ctx, list_json] {
    auto uris = ctx.store().list_redirects();
    if (*list_json) {
      print_json(uris);
      return;
    }
    if (uris.empty())
      std::cerr << "no redirect URIs registered; connect uses http://127.0.0.1:<ephemeral "
                   "port>/callback/<provider>\n";
    for (const auto& uri : uris)
      std::cout << uri << '\n';
  });

  auto remove_uri = std::make_shared<std::string>();
  auto* remove = group->add_subcommand("remove", "Remove an allowed redirect URI");
  remove->add_option("URI", *remove_uri, "The URI exactly as added")->required();
  remove->callback([&ctx, remove_uri] {
    if (!ctx.store().remove_redirect(*remove_uri))
      throw Error("no such redirect URI: " + *remove_uri);
    std::cout << "removed " << *remove_uri << '\n';
  });
}

} // namespace oauthlink::cli
