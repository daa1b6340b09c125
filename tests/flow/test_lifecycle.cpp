// SPDX-License-Identifier: MIT
#include "error.hpp"
#include "flow/lifecycle.hpp"
#include "flow/url.hpp"
#include "support/catalog_fixture.hpp"

#include <doctest/doctest.h>

using namespace oauthlink;

namespace {

flow::App app_with_secret() {
  flow::App app;
  app.client_id = "cid";
  app.client_secret = "csecret";
  return app;
}

} // namespace

TEST_CASE("a lowercase bearer token type is sent as Bearer; others keep their scheme (D3)") {
  flow::TokenSet t;
  t.access_token = "tok";
  t.token_type = "bearer";
  CHECK(flow::authorization_value(t) == "Bearer tok");
  t.token_type = "";
  CHECK(flow::authorization_value(t) == "Bearer tok");
  t.token_type = "DPoP";
  CHECK(flow::authorization_value(t) == "DPoP tok");
}

TEST_CASE("revocation sends the refresh token first, then the access token, with client auth "
          "(F4)") {
  auto p = test::provider_from("revocation_url = \"https://as.example/revoke\"\n"
                               "auth_method = \"client_secret_basic\"\n");
  flow::TokenSet t;
  t.access_token = "AT";
  t.refresh_token = "RT";
  auto requests = flow::build_revocation_requests(p, app_with_secret(), t);
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].url == "https://as.example/revoke");
  auto first = flow::parse_form(requests[0].body);
  REQUIRE(first);
  CHECK(flow::find_param(*first, "token") == "RT");
  CHECK(flow::find_param(*first, "token_type_hint") == "refresh_token");
  CHECK(flow::find_header(requests[0].headers, "Authorization")->rfind("Basic ", 0) == 0);
  CHECK(flow::find_param(*flow::parse_form(requests[1].body), "token_type_hint") == "access_token");
  t.refresh_token.clear();
  CHECK(flow::build_revocation_requests(p, app_with_secret(), t).size() == 1);
}

TEST_CASE("revocation: 200 is success even with an empty body; anything else is kept (F4)") {
  CHECK_FALSE(flow::revocation_failure({200, {}, ""}));
  CHECK(flow::revocation_failure({400, {}, R"({"error":"unsupported_token_type"})"})
        == "HTTP 400: unsupported_token_type");
  CHECK(flow::revocation_failure({503, {}, "busy"}) == "HTTP 503");
}

TEST_CASE("userinfo answers: 2xx accepted, 401/403 rejected, others failed") {
  CHECK(flow::classify_userinfo({200, {}, "{}"}) == flow::Verdict::accepted);
  CHECK(flow::classify_userinfo({401, {}, ""}) == flow::Verdict::rejected);
  CHECK(flow::classify_userinfo({403, {}, ""}) == flow::Verdict::rejected);
  CHECK(flow::classify_userinfo({503, {}, ""}) == flow::Verdict::failed);
}

TEST_CASE("the API URL fills placeholders from the credential and stays under the base") {
  auto p = test::provider_from("api_base_url = \"https://{instance}.api.example/v1/\"\n"
                               "response = { keep = [\"instance\"] }\n");
  flow::Credential c;
  c.tokens.extra["instance"] = "eu2";
  flow::App app;
  CHECK(flow::api_url(p, app, c, "/me") == "https://eu2.api.example/v1/me");
  CHECK(flow::api_url(p, app, c, "me?x=1") == "https://eu2.api.example/v1/me?x=1");
  CHECK(flow::api_url(p, app, c, "https://eu2.api.example/v1/x") == "https://eu2.api.example/v1/x");
  CHECK_THROWS_AS(flow::api_url(p, app, c, "https://evil.example/v1/x"), UsageError);
  CHECK_THROWS_AS(flow::api_url(p, app, c, "https://eu2.api.example/v1.evil/x"), UsageError);
  c.tokens.extra["instance"] = "evil.example/";
  CHECK_THROWS_AS(flow::api_url(p, app, c, "/me"), UsageError);
}

TEST_CASE("the API path cannot climb out of the base with dot segments") {
  auto p = test::provider_from("api_base_url = \"https://api.example/v3\"\n");
  flow::Credential c;
  flow::App app;
  for (const char* path : {"../../x", "/a/../../x", "./x", "%2e%2e/x", "%2E%2e/%2e%2E/x", "a/..",
                           "a\\..\\x", "https://api.example/v3/../../steal", "/me\r\nX: y"})
    CHECK_THROWS_AS(flow::api_url(p, app, c, path), UsageError);
  CHECK(flow::api_url(p, app, c, "/repos/a..b/x?q=../y")
        == "https://api.example/v3/repos/a..b/x?q=../y");
}

TEST_CASE("-H takes Name: value and refuses Authorization and line breaks") {
  CHECK(flow::parse_header_arg("X-Test:  yes")
        == std::pair<std::string, std::string>{"X-Test", "yes"});
  CHECK_THROWS_AS(flow::parse_header_arg("no colon"), UsageError);
  CHECK_THROWS_AS(flow::parse_header_arg("authorization: Bearer x"), UsageError);
  CHECK_THROWS_AS(flow::parse_header_arg("X: a\r\nInjected: b"), UsageError);
}

TEST_CASE("import reads the wrapped and the bare credential shape, strictly") {
  std::string bare = R"({"id":"cred_abc","oauth_app_id":"app_1","provider":"p",
    "properties":{"kind":"p_oauth2","access_token":"AT","token_type":"bearer",
      "refresh_token":"RT","expires_at":"2026-12-03T14:00:00Z","scope":"a b","instance_url":"u"},
    "metadata":{"note":1}})";
  auto c = flow::parse_credential_import(bare, 100);
  CHECK(c.id == "cred_abc");
  CHECK(c.tokens.refresh_token == "RT");
  CHECK(c.tokens.expires_at == 1796306400);
  CHECK(c.tokens.extra["instance_url"] == "u");
  CHECK_FALSE(c.tokens.extra.contains("kind"));
  auto wrapped =
      flow::parse_credential_import(R"({"credential":)" + bare + R"(,"state":"s"})", 100);
  CHECK(wrapped.tokens.access_token == "AT");
  CHECK_THROWS_WITH_AS(flow::parse_credential_import(R"({"provider":"p","properties":{}})", 1),
                       doctest::Contains("oauth_app_id"), UsageError);
  CHECK_THROWS_WITH_AS(
      flow::parse_credential_import(R"({"oauth_app_id":"a","provider":"p","properties":{}})", 1),
      doctest::Contains("access_token"), UsageError);
  CHECK_THROWS_AS(flow::parse_credential_import(R"({"id":"../x","oauth_app_id":"a","provider":"p",
      "properties":{"access_token":"x"}})",
                                                1),
                  UsageError);
  CHECK_THROWS_AS(flow::parse_credential_import("[]", 1), UsageError);
}

TEST_CASE("the account identity prefers a user id, then the refresh token's hash") {
  flow::Credential a;
  a.tokens.access_token = "AT1";
  a.tokens.refresh_token = "RT";
  flow::Credential b = a;
  b.tokens.access_token = "AT2";
  CHECK(flow::account_identity(a) == flow::account_identity(b));
  CHECK(flow::account_identity(a).find("RT") == std::string::npos);
  a.tokens.extra["sub"] = "alice";
  CHECK(flow::account_identity(a) == "sub:alice");
}

TEST_CASE("RFC 3339 UTC times parse; anything else does not") {
  CHECK(flow::parse_time("1970-01-01T00:01:00Z") == 60);
  CHECK_FALSE(flow::parse_time("2026-12-03 14:00:00"));
  CHECK_FALSE(flow::parse_time("2026-12-03T14:00:00Zjunk"));
}

TEST_CASE("import refuses control characters in any string it stores") {
  for (const char* token : {R"(tok\r\nX-Injected: yes)", R"(a\u0000b)", R"(a\u007fb)"})
    CHECK_THROWS_AS(flow::parse_credential_import(
                        R"({"oauth_app_id":"app_1","provider":"p","properties":{"access_token":")"
                            + std::string(token) + R"("}})",
                        1'800'000'000),
                    UsageError);
}
