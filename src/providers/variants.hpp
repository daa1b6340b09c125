// SPDX-License-Identifier: MIT
// An entry's environments (sandbox / demo hosts) and the names its templates may use. Pure.
#pragma once

#include "providers/provider.hpp"

#include <string>
#include <vector>

namespace oauthlink::providers {

// The entry with environment `name` applied (its endpoints replace the entry's, its
// template_defaults and authorize_params merge over them); "" = the entry unchanged.
// Throws UsageError naming the known environments for an unknown name.
Provider apply_environment(const Provider& entry, const std::string& name);

// Throws UsageError unless `name` is "" or one of the entry's environments.
void check_environment(const Provider& entry, const std::string& name);

// Names a credential property gets from the token response's keep paths ("team.id" ->
// "team_id"), the callback's keep and the post-authorization requests' keep.
std::vector<std::string> kept_names(const Provider& provider);

// Placeholders a user may fill with --set: those of every endpoint URL of the entry and
// of its environments, and those of api_base_url and post-authorization URLs that are not
// kept values. In order of appearance, without duplicates.
std::vector<std::string> setting_names(const Provider& provider);

} // namespace oauthlink::providers
