// SPDX-License-Identifier: MIT
// `oauthlink providers list|show|check`: what the catalog knows.
#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "error.hpp"
#include "flow/authorize_url.hpp"
#include "providers/template.hpp"
#include "providers/variants.hpp"
#include "sys/paths.hpp"

#include <iostream>

namespace oauthlink::cli {

using nlohmann::json;
using providers::Provider;

namespace {

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items)
    out += (out.empty() ? "" : separator) + item;
  return out;
}

json environment_json(const providers::Environment& e) {
  json out = json::object();
  for (const auto& [key, value] : {std::pair{"authorization_url", &e.authorization_url},
                                   {"token_url", &e.token_url},
                                   {"refresh_url", &e.refresh_url},
                                   {"revocation_url", &e.revocation_url},
                                   {"userinfo_url", &e.userinfo_url},
                                   {"device_authorization_url", &e.device_authorization_url},
                                   {"api_base_url", &e.api_base_url},
                                   {"issuer", &e.issuer}})
    if (!value->empty())
      out[key] = *value;
  if (!e.template_defaults.empty())
    out["template_defaults"] = e.template_defaults;
  if (!e.authorize_params.empty())
    out["authorize_params"] = e.authorize_params;
  return out;
}

json post_auth_json(const providers::PostAuthRequest& q) {
  json keep = json::object();
  for (const auto& [name, path] : q.keep)
    keep[name] = path;
  return {{"method", q.method},   {"url", q.url}, {"auth_scheme", q.auth_scheme},
          {"headers", q.headers}, {"keep", keep}, {"required", q.required}};
}

json provider_json(const Provider& p) {
  json environments = json::object();
  for (const auto& [name, environment] : p.environments)
    environments[name] = environment_json(environment);
  json post_authorization = json::array();
  for (const auto& request : p.post_authorization)
    post_authorization.push_back(post_auth_json(request));
  json response = {
      {"format", providers::to_string(p.response.format)},
      {"success_field", p.response.success_field},
      {"token_path", p.response.token_path},
      {"expires_in_unit", p.response.expires_in_unit == providers::ExpiresUnit::milliseconds
                              ? "milliseconds"
                              : "seconds"},
      {"default_expires_in",
       p.response.default_expires_in ? json(*p.response.default_expires_in) : json(nullptr)},
      {"expires_at_field", p.response.expires_at_field},
      {"scope_field", p.response.scope_field},
      {"token_type", p.response.token_type},
      {"keep", p.response.keep}};
  return {{"slug", p.slug},
          {"name", p.name},
          {"docs", p.docs},
          {"authorization_url", p.authorization_url},
          {"token_url", p.token_url},
          {"refresh_url", p.refresh_url},
          {"revocation_url", p.revocation_url},
          {"userinfo_url", p.userinfo_url},
          {"api_base_url", p.api_base_url},
          {"issuer", p.issuer},
          {"discovery", p.discovery},
          {"grant_types", p.grant_types},
          {"auth_method", providers::to_string(p.auth_method)},
          {"token_request_format", providers::to_string(p.token_request_format)},
          {"client_id_param", p.client_id_param},
          {"scope_separator", p.scope_separator},
          {"default_scopes", p.default_scopes},
          {"offline_scopes", p.offline_scopes},
          {"pkce", providers::to_string(p.pkce)},
          {"authorize_params", p.authorize_params},
          {"token_params", p.token_params},
          {"refresh_params", p.refresh_params},
          {"template_defaults", p.template_defaults},
          {"placeholders", providers::setting_names(p)},
          {"kept", providers::kept_names(p)},
          {"refresh_token_rotation", p.refresh_token_rotation},
          {"tokens_expire", p.tokens_expire},
          {"response", response},
          {"callback_keep", p.callback_keep},
          {"environments", environments},
          {"post_authorization", post_authorization},
          {"redirect_uri", "http://127.0.0.1/callback/" + p.slug}};
}

} // namespace

void register_providers(CLI::App& root, AppContext& ctx) {
  auto* group = root.add_subcommand("providers", "What the provider catalog knows");
  group->require_subcommand(1);

  auto* list = group->add_subcommand("list", "List the providers: slug, name, grant types");
  static bool list_json = false;
  list->add_flag("--json", list_json, "Print a JSON array");
  list->callback([&ctx] {
    const auto& all = ctx.catalog().all();
    if (list_json) {
      json out = json::array();
      for (const auto& [slug, p] : all)
        out.push_back({{"slug", slug}, {"name", p.name}, {"grant_types", p.grant_types}});
      print_json(out);
      return;
    }
    std::vector<std::vector<std::string>> rows = {{"SLUG", "NAME", "GRANTS"}};
    for (const auto& [slug, p] : all)
      rows.push_back({slug, p.name, join(p.grant_types, ",")});
    print_table(rows);
  });

  auto* show = group->add_subcommand("show", "Show every fact the catalog has on a provider");
  static std::string show_slug;
  static bool show_json = false;
  show->add_option("SLUG", show_slug, "Provider slug")->required();
  show->add_flag("--json", show_json, "Print JSON");
  show->callback([&ctx] {
    const Provider& p = ctx.provider(show_slug);
    json j = provider_json(p);
    if (show_json) {
      print_json(j);
      return;
    }
    std::cout << p.name << " (" << p.slug << ")\n";
    for (const auto& [key, value] : j.items()) {
      if (key == "slug" || key == "name")
        continue;
      std::string text = value.is_string() ? value.get<std::string>() : value.dump();
      if (text.empty() || text == "[]" || text == "{}" || text == "null")
        continue;
      if (key == "scope_separator")
        text = value.dump(); // quoted: a bare space would be invisible
      std::cout << "  " << key << ": " << text << '\n';
    }
    std::cout << "\nRegister this redirect URI at the provider (any port on 127.0.0.1, or the one\n"
                 "you add with 'oauthlink redirects add'):\n  http://127.0.0.1/callback/"
              << p.slug << '\n';
    std::vector<std::string> needed, defaulted;
    for (const auto& name : providers::setting_names(p))
      (p.template_defaults.count(name) ? defaulted : needed).push_back(name);
    if (!needed.empty())
      std::cout << "\nThis provider needs: " << join(needed, ", ")
                << " (give them with --set KEY=VALUE at apps add or connect)\n";
    for (const auto& name : defaulted)
      std::cout << "\nOptional: --set " << name
                << "=VALUE (default: " << p.template_defaults.at(name) << ")\n";
    if (!p.environments.empty()) {
      std::vector<std::string> names;
      for (const auto& [name, environment] : p.environments)
        names.push_back(name);
      std::cout << "\nEnvironments: " << join(names, ", ") << " (choose one with 'apps add "
                << p.slug << " --environment NAME')\n";
    }
  });

  auto* check = group->add_subcommand("check", "Validate a catalog file");
  static std::string check_file;
  check->add_option("FILE", check_file, "Catalog file (default: the catalog in use)");
  check->callback([&ctx] {
    std::string path = check_file.empty() ? ctx.catalog_source() : check_file;
    std::string text;
    try {
      text = sys::read_file(path);
    } catch (const Error& e) {
      throw CatalogError(e.what());
    }
    auto catalog = providers::Catalog::parse(text, path);
    std::cout << path << ": " << catalog.all().size() << " providers, no problems\n";
  });
}

} // namespace oauthlink::cli
