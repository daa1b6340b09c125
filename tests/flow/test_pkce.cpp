// SPDX-License-Identifier: MIT
#include "error.hpp"
#include "flow/pkce.hpp"

#include <doctest/doctest.h>

using namespace oauthlink::flow;

TEST_CASE("the RFC 7636 appendix B verifier gives the published challenge without padding") {
  CHECK(pkce_challenge_s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST_CASE("challenges of many verifiers never contain '=', '+' or '/'") {
  std::string verifier(43, 'a');
  for (int i = 0; i < 200; ++i) {
    verifier[static_cast<size_t>(i % 43)] = "abcXYZ019-._~"[i % 13];
    std::string challenge = pkce_challenge_s256(verifier);
    CHECK(challenge.size() == 43);
    CHECK(challenge.find_first_of("=+/") == std::string::npos);
  }
}

TEST_CASE("a verifier outside 43-128 unreserved characters is refused") {
  CHECK_THROWS_AS(pkce_challenge_s256(std::string(42, 'a')), oauthlink::Error);
  CHECK_THROWS_AS(pkce_challenge_s256(std::string(129, 'a')), oauthlink::Error);
  CHECK_THROWS_AS(pkce_challenge_s256(std::string(43, '+')), oauthlink::Error);
  CHECK(is_valid_verifier(std::string(128, '~')));
}

TEST_CASE("base64 pads and base64url does not") {
  CHECK(base64("a") == "YQ==");
  CHECK(base64url("a") == "YQ");
  CHECK(base64("\xfb\xff") == "+/8=");
  CHECK(base64url("\xfb\xff") == "-_8");
}

TEST_CASE("constant_time_equal compares bytes exactly") {
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "ab"));
  CHECK(constant_time_equal("", ""));
}
