// SPDX-License-Identifier: MIT
#include "flow/refresh.hpp"

#include <algorithm>

namespace oauthlink::flow {

int64_t refresh_margin(const Credential& credential, std::optional<int64_t> min_ttl) {
  if (min_ttl)
    return *min_ttl;
  const int64_t k_default = 60;
  if (!credential.tokens.expires_at)
    return k_default;
  int64_t lifetime = *credential.tokens.expires_at - credential.updated_at;
  return std::clamp<int64_t>(lifetime / 10, 0, k_default);
}

bool needs_refresh(const Credential& credential, int64_t now, std::optional<int64_t> min_ttl) {
  if (!credential.tokens.expires_at)
    return false;
  return *credential.tokens.expires_at - now <= refresh_margin(credential, min_ttl);
}

Credential apply_refresh(const Credential& old, const TokenSet& fresh, int64_t now) {
  Credential next = old;
  next.tokens.access_token = fresh.access_token;
  next.tokens.token_type = fresh.token_type;
  next.tokens.expires_at = fresh.expires_at;
  if (!fresh.refresh_token.empty())
    next.tokens.refresh_token = fresh.refresh_token;
  if (!fresh.id_token.empty())
    next.tokens.id_token = fresh.id_token;
  // parse_token_response already fills an absent scope with the requested (old) one.
  if (!fresh.scope.empty())
    next.tokens.scope = fresh.scope;
  for (const auto& [key, value] : fresh.extra.items())
    next.tokens.extra[key] = value;
  next.updated_at = now;
  return next;
}

} // namespace oauthlink::flow
