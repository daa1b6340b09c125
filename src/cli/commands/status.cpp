// SPDX-License-Identifier: MIT
// `oauthlink status`: where the store is, where its key comes from, what it holds.
#include "cli/commands/commands.hpp"
#include "cli/output.hpp"

#include <iostream>

namespace oauthlink::cli {

void register_status(CLI::App& root, AppContext& ctx) {
  auto as_json = std::make_shared<bool>(false);
  auto* status = root.add_subcommand("status", "Show the store, its key source and what it holds");
  status->add_flag("--json", *as_json, "Print JSON");
  status->callback([&ctx, as_json] {
    auto& store = ctx.store();
    size_t apps = store.list_apps().size();
    size_t credentials = store.list_credentials().size();
    if (*as_json) {
      print_json({{"store", store.path()},
                  {"key_source", store.key_source()},
                  {"apps", apps},
                  {"credentials", credentials}});
      return;
    }
    std::cout << "store: " << store.path() << '\n'
              << "key: " << store.key_source() << '\n'
              << "apps: " << apps << '\n'
              << "credentials: " << credentials << '\n';
  });
}

} // namespace oauthlink::cli
