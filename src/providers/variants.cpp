// SPDX-License-Identifier: MIT
#include "providers/variants.hpp"

#include "error.hpp"
#include "providers/template.hpp"

#include <algorithm>

namespace oauthlink::providers {

namespace {

void add_unique(std::vector<std::string>& names, const std::string& name) {
  if (std::find(names.begin(), names.end(), name) == names.end())
    names.push_back(name);
}

std::vector<const std::string*> endpoint_urls(const Provider& p) {
  return {&p.authorization_url, &p.token_url,    &p.refresh_url,
          &p.revocation_url,    &p.userinfo_url, &p.device_authorization_url};
}

std::vector<const std::string*> endpoint_urls(const Environment& e) {
  return {&e.authorization_url, &e.token_url,    &e.refresh_url,
          &e.revocation_url,    &e.userinfo_url, &e.device_authorization_url};
}

std::string known_environments(const Provider& entry) {
  std::string names;
  for (const auto& [name, environment] : entry.environments)
    names += (names.empty() ? "" : ", ") + name;
  return names.empty() ? "it has none" : "known: " + names;
}

} // namespace

void check_environment(const Provider& entry, const std::string& name) {
  if (!name.empty() && !entry.environments.count(name))
    throw UsageError("provider '" + entry.slug + "' has no environment '" + name + "' ("
                     + known_environments(entry) + ")");
}

Provider apply_environment(const Provider& entry, const std::string& name) {
  check_environment(entry, name);
  Provider p = entry;
  if (name.empty())
    return p;
  const Environment& e = entry.environments.at(name);
  auto set = [](std::string& field, const std::string& value) {
    if (!value.empty())
      field = value;
  };
  set(p.authorization_url, e.authorization_url);
  set(p.token_url, e.token_url);
  set(p.refresh_url, e.refresh_url);
  set(p.revocation_url, e.revocation_url);
  set(p.userinfo_url, e.userinfo_url);
  set(p.device_authorization_url, e.device_authorization_url);
  set(p.api_base_url, e.api_base_url);
  set(p.issuer, e.issuer);
  for (const auto& [key, value] : e.template_defaults)
    p.template_defaults[key] = value;
  for (const auto& [key, value] : e.authorize_params)
    p.authorize_params[key] = value;
  return p;
}

std::vector<std::string> kept_names(const Provider& provider) {
  std::vector<std::string> names;
  for (std::string path : provider.response.keep) {
    std::replace(path.begin(), path.end(), '.', '_');
    add_unique(names, path);
  }
  for (const auto& name : provider.callback_keep)
    add_unique(names, name);
  for (const auto& request : provider.post_authorization)
    for (const auto& [name, path] : request.keep)
      add_unique(names, name);
  return names;
}

std::vector<std::string> setting_names(const Provider& provider) {
  std::vector<std::string> names;
  std::vector<const std::string*> urls = endpoint_urls(provider);
  for (const auto& [name, environment] : provider.environments)
    for (const auto* url : endpoint_urls(environment))
      urls.push_back(url);
  for (const auto* url : urls)
    for (const auto& name : template_names(*url))
      add_unique(names, name);
  // API base and post-authorization URLs may also use values kept from the answers.
  std::vector<std::string> kept = kept_names(provider);
  std::vector<const std::string*> late = {&provider.api_base_url};
  for (const auto& [name, environment] : provider.environments)
    late.push_back(&environment.api_base_url);
  for (const auto& request : provider.post_authorization)
    late.push_back(&request.url);
  for (const auto* url : late)
    for (const auto& name : template_names(*url))
      if (std::find(kept.begin(), kept.end(), name) == kept.end())
        add_unique(names, name);
  return names;
}

} // namespace oauthlink::providers
