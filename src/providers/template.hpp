// SPDX-License-Identifier: MIT
// {placeholder} templates in catalog URLs, filled from --set values and defaults. Pure.
#pragma once

#include "providers/provider.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace oauthlink::providers {

// Names of the {placeholders} in text, in order of appearance, without duplicates.
std::vector<std::string> template_names(std::string_view text);

// Replaces every {name} with values[name], else defaults[name]. Throws UsageError naming
// the missing key ("needs --set tenant=VALUE"). Values must not contain '/', '?', '#',
// '@' or whitespace, so that a value can never change which host a URL points at.
std::string fill_template(std::string_view text, const StringMap& values,
                          const StringMap& defaults);

} // namespace oauthlink::providers
