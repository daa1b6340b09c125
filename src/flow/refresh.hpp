// SPDX-License-Identifier: MIT
// Keeping a credential alive: when to refresh, and how a refresh answer updates the stored
// tokens (RFC 6749 §6, SECURITY.md D5, F1). Pure.
#pragma once

#include "flow/credential.hpp"

#include <cstdint>
#include <optional>

namespace oauthlink::flow {

// Seconds before expiry at which a token counts as expiring: `min_ttl` when given, else
// 60 s, but never more than a tenth of the token's lifetime (so that a 30 s token is not
// refreshed on every call).
int64_t refresh_margin(const Credential& credential, std::optional<int64_t> min_ttl);

// True when the access token is expired or expires within the margin. Unknown expiry
// (no expires_at) never needs a refresh.
bool needs_refresh(const Credential& credential, int64_t now, std::optional<int64_t> min_ttl);

// The credential after a successful refresh: a new refresh token replaces the old one, a
// missing one keeps it; a missing scope keeps the granted scope; kept metadata merges.
Credential apply_refresh(const Credential& old, const TokenSet& fresh, int64_t now);

} // namespace oauthlink::flow
