// SPDX-License-Identifier: MIT
#include "flow/refresh.hpp"

#include <doctest/doctest.h>

using namespace oauthlink::flow;

namespace {
Credential issued(int64_t at, int64_t lifetime) {
  Credential c;
  c.updated_at = at;
  c.tokens.access_token = "a1";
  c.tokens.refresh_token = "r1";
  c.tokens.scope = "s";
  c.tokens.expires_at = at + lifetime;
  return c;
}
} // namespace

TEST_CASE("a token is refreshed within 60 s of expiry, or a tenth of a short lifetime (D5)") {
  auto hour = issued(1000, 3600);
  CHECK_FALSE(needs_refresh(hour, 1000 + 3600 - 61, std::nullopt));
  CHECK(needs_refresh(hour, 1000 + 3600 - 60, std::nullopt));
  auto short_lived = issued(1000, 30);
  CHECK(refresh_margin(short_lived, std::nullopt) == 3);
  CHECK_FALSE(needs_refresh(short_lived, 1000, std::nullopt)); // fresh: no loop
  CHECK(needs_refresh(short_lived, 1027, std::nullopt));
  CHECK(needs_refresh(hour, 1000, std::optional<int64_t>(3600)));
}

TEST_CASE("unknown expiry never needs a refresh") {
  Credential c;
  c.tokens.access_token = "a";
  CHECK_FALSE(needs_refresh(c, 1'000'000, std::nullopt));
}

TEST_CASE("a refresh answer without refresh_token keeps the old one (F1)") {
  TokenSet fresh;
  fresh.access_token = "a2";
  fresh.expires_at = 9000;
  fresh.scope = "s";
  auto next = apply_refresh(issued(1000, 3600), fresh, 5000);
  CHECK(next.tokens.access_token == "a2");
  CHECK(next.tokens.refresh_token == "r1");
  CHECK(next.updated_at == 5000);
  fresh.refresh_token = "r2";
  CHECK(apply_refresh(issued(1000, 3600), fresh, 5000).tokens.refresh_token == "r2");
}
