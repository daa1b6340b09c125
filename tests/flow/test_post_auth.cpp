// SPDX-License-Identifier: MIT
// Post-authorization requests: the request built, the values kept, and what a failure does.
#include "error.hpp"
#include "flow/post_auth.hpp"
#include "support/catalog_fixture.hpp"
#include "support/fakes.hpp"

#include <doctest/doctest.h>

using namespace oauthlink;
using namespace oauthlink::flow;
using nlohmann::json;

namespace {

TokenSet tokens_with(const std::string& access_token, json extra = json::object()) {
  TokenSet t;
  t.access_token = access_token;
  t.extra = std::move(extra);
  return t;
}

} // namespace

TEST_CASE("json paths index arrays and apply names to an array's first element") {
  json doc = json::parse(R"([{"id":"c1","url":"https://a"},{"id":"c2"}])");
  CHECK(*json_at_path(doc, "0.id") == "c1");
  CHECK(*json_at_path(doc, "1.id") == "c2");
  CHECK(*json_at_path(doc, "id") == "c1");
  CHECK(json_at_path(doc, "2.id") == nullptr);
  json nested = json::parse(R"({"accounts":[{"account_id":"a1","base_uri":"https://b"}]})");
  CHECK(*json_at_path(nested, "accounts.base_uri") == "https://b");
  CHECK(*json_at_path(nested, "accounts.0.account_id") == "a1");
  CHECK(json_at_path(nested, "accounts.missing") == nullptr);
  CHECK(json_at_path(json::parse("[]"), "id") == nullptr);
}

TEST_CASE("the post-authorization request carries the token with the catalog's scheme") {
  auto p = test::provider_from("[[p.post_authorization]]\n"
                               "url = \"https://{host}/meta/{team_id}\"\n"
                               "auth_scheme = \"OAuth\"\n"
                               "headers = { User-Agent = \"oauthlink\" }\n"
                               "keep = { dc = \"dc\" }\n"
                               "[p.response]\nkeep = [\"team.id\"]\n"
                               "[p.callback]\nkeep = [\"host\"]\n");
  HttpRequest r = build_post_auth_request(p.post_authorization[0], "tok", {{"team_id", "T1"}},
                                          {{"host", "h.example"}});
  CHECK(r.method == "GET");
  CHECK(r.url == "https://h.example/meta/T1");
  CHECK(find_header(r.headers, "Authorization") == "OAuth tok");
  CHECK(find_header(r.headers, "User-Agent") == "oauthlink");
  CHECK(find_header(r.headers, "Accept") == "application/json");
}

TEST_CASE("a filled post-authorization URL that is not https is refused (A13)") {
  auto p = test::provider_from("[[p.post_authorization]]\nurl = \"{base}/me\"\n"
                               "keep = { id = \"id\" }\n[p.response]\nkeep = [\"base\"]\n");
  CHECK_THROWS_AS(build_post_auth_request(p.post_authorization[0], "tok",
                                          {{"base", "http://evil.example"}}, {}),
                  Error);
}

TEST_CASE("values are kept from a 2xx JSON answer; anything else says why, without the body") {
  auto p = test::provider_from("[[p.post_authorization]]\nurl = \"https://a.example/m\"\n"
                               "keep = { dc = \"dc\", n = \"accounts.id\" }\n");
  const auto& q = p.post_authorization[0];
  auto ok = extract_post_auth(q, {200, {}, R"({"dc":"us7","accounts":[{"id":42}]})"});
  REQUIRE(std::holds_alternative<json>(ok));
  CHECK(std::get<json>(ok) == json({{"dc", "us7"}, {"n", 42}}));
  auto status = extract_post_auth(q, {401, {}, R"({"error":"secret-ish body"})"});
  CHECK(std::get<std::string>(status) == "HTTP 401");
  CHECK(std::get<std::string>(extract_post_auth(q, {200, {}, "<html>"}))
        == "the answer is not JSON");
  CHECK(std::get<std::string>(extract_post_auth(q, {200, {}, R"({"dc":"us7"})"}))
        == "the answer has no 'accounts.id'");
}

TEST_CASE("post-authorization requests run in order and later URLs use earlier values") {
  auto p = test::provider_from("[[p.post_authorization]]\nurl = \"https://a.example/sites\"\n"
                               "keep = { cloudId = \"0.id\" }\n"
                               "[[p.post_authorization]]\n"
                               "url = \"https://a.example/ex/{cloudId}/me\"\n"
                               "keep = { account = \"accountId\" }\n");
  test::FakeHttpClient http;
  http.replies.push_back({200, {}, R"([{"id":"c-1"}])"});
  http.replies.push_back({200, {}, R"({"accountId":"u-9"})"});
  PostAuthOutcome out = run_post_authorization(p, tokens_with("tok"), {}, http);
  REQUIRE(http.requests.size() == 2);
  CHECK(http.requests[1].url == "https://a.example/ex/c-1/me");
  CHECK(find_header(http.requests[0].headers, "Authorization") == "Bearer tok");
  CHECK(out.kept == json({{"cloudId", "c-1"}, {"account", "u-9"}}));
  CHECK(out.warnings.empty());
}

TEST_CASE("a failing optional post-authorization request warns; a required one throws") {
  const std::string body = "[[p.post_authorization]]\nurl = \"https://a.example/m\"\n"
                           "keep = { dc = \"dc\" }\n";
  test::FakeHttpClient http;
  http.replies.push_back({503, {}, "busy"});
  PostAuthOutcome out =
      run_post_authorization(test::provider_from(body), tokens_with("tok"), {}, http);
  CHECK(out.kept.empty());
  REQUIRE(out.warnings.size() == 1);
  CHECK(out.warnings[0]
        == "post-authorization request 1 (GET https://a.example/m) failed: HTTP 503; the "
           "credential is kept without its values");

  test::FakeHttpClient strict;
  strict.replies.push_back({200, {}, "{}"});
  CHECK_THROWS_WITH_AS(run_post_authorization(test::provider_from(body + "required = true\n"),
                                              tokens_with("tok"), {}, strict),
                       "post-authorization request 1 (GET https://a.example/m) failed: the "
                       "answer has no 'dc'; nothing was stored",
                       ProviderError);
}
