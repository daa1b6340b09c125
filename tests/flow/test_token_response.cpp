// SPDX-License-Identifier: MIT
#include "flow/pkce.hpp"
#include "flow/token_exchange.hpp"
#include "support/catalog_fixture.hpp"

#include <doctest/doctest.h>

using namespace oauthlink;
using namespace oauthlink::flow;

namespace {

const int64_t k_sent = 1'800'000'000;

TokenResult parse(const std::string& dialect, int status, const std::string& body,
                  const std::string& requested = "") {
  return parse_token_response(test::provider_from(dialect), {status, {}, body}, k_sent, requested);
}

TokenSet ok(const std::string& dialect, const std::string& body,
            const std::string& requested = "") {
  auto result = parse(dialect, 200, body, requested);
  if (auto* error = std::get_if<OAuthError>(&result))
    FAIL("unexpected error: " << error->message());
  return std::get<TokenSet>(result);
}

OAuthError err(const std::string& dialect, int status, const std::string& body) {
  auto result = parse(dialect, status, body);
  REQUIRE(std::holds_alternative<OAuthError>(result));
  return std::get<OAuthError>(result);
}

} // namespace

TEST_CASE("a standard JSON token response is read") {
  auto t = ok("",
              R"({"access_token":"at","token_type":"Bearer","expires_in":3600,)"
              R"("refresh_token":"rt","scope":"a b"})",
              "a b");
  CHECK(t.access_token == "at");
  CHECK(t.refresh_token == "rt");
  CHECK(t.expires_at == k_sent + 3600);
  CHECK(t.scope == "a b");
  CHECK(t.warnings.empty());
}

TEST_CASE("a form-encoded success body and a JSON error served as text/plain are read (D1)") {
  auto t = ok("", "access_token=gho_x&scope=repo%2Cgist&token_type=bearer");
  CHECK(t.access_token == "gho_x");
  CHECK(t.token_type == "Bearer");
  auto e = err("", 400, R"({"error":"invalid_grant","error_description":"bad code"})");
  CHECK(e.message() == "invalid_grant: bad code");
  auto f = err("", 200, "error=bad_verification_code&error_description=The+code+is+wrong");
  CHECK(f.error == "bad_verification_code");
}

TEST_CASE("an error inside HTTP 200 is an error (D2)") {
  auto e = err("", 200, R"({"error":"incorrect_client_credentials"})");
  CHECK(e.error == "incorrect_client_credentials");
  // Slack-style success flag.
  auto s =
      err("[p.response]\nsuccess_field = \"ok\"\n", 200, R"({"ok":false,"error":"invalid_code"})");
  CHECK(s.error == "invalid_code");
  auto missing_flag = err("[p.response]\nsuccess_field = \"ok\"\n", 200, R"({"access_token":"x"})");
  CHECK(missing_flag.error == "request_failed");
  auto t = ok("[p.response]\nsuccess_field = \"ok\"\n",
              R"({"ok":true,"access_token":"xoxb","token_type":"Bearer"})");
  CHECK(t.access_token == "xoxb");
}

TEST_CASE(
    "an unknown token_type is an error; a missing one defaults to Bearer with a warning (D3)") {
  CHECK(ok("", R"({"access_token":"x","token_type":"bearer"})").token_type == "Bearer");
  CHECK(ok("", R"({"access_token":"x","token_type":"DPoP"})").token_type == "DPoP");
  auto t = ok("", R"({"access_token":"x"})");
  CHECK(t.token_type == "Bearer");
  CHECK(t.warnings.size() == 1);
  CHECK(err("", 200, R"({"access_token":"x","token_type":"mac"})").error == "invalid_response");
}

TEST_CASE("a catalog token_type replaces a provider's non-scheme token_type") {
  auto t = ok("[p.response]\ntoken_type = \"Bearer\"\n",
              R"({"access_token":"xoxb","token_type":"bot"})");
  CHECK(t.token_type == "Bearer");
  CHECK(t.warnings.empty());
}

TEST_CASE("expires_in as string, null, absent, huge or in milliseconds (D4)") {
  CHECK(ok("", R"({"access_token":"x","token_type":"Bearer","expires_in":"7200"})").expires_at
        == k_sent + 7200);
  CHECK_FALSE(ok("", R"({"access_token":"x","token_type":"Bearer","expires_in":null})").expires_at);
  CHECK_FALSE(ok("", R"({"access_token":"x","token_type":"Bearer"})").expires_at);
  CHECK(ok("", R"({"access_token":"x","token_type":"Bearer","expires_in":4294967296})").expires_at
        == k_sent + 4294967296LL);
  CHECK(ok("", R"({"access_token":"x","token_type":"Bearer","expires_in":9223372036854775807})")
            .expires_at
        == 253402300799);
  CHECK(ok("", R"({"access_token":"x","token_type":"Bearer","expires_in":18446744073709551615})")
            .expires_at
        == 253402300799);
  auto negative = ok("", R"({"access_token":"x","token_type":"Bearer","expires_in":-100})");
  CHECK_FALSE(negative.expires_at);
  CHECK(negative.warnings.size() == 1);
  auto bad = ok("", R"({"access_token":"x","token_type":"Bearer","expires_in":"soon"})");
  CHECK_FALSE(bad.expires_at);
  CHECK(bad.warnings.size() == 1);
  CHECK(ok("[p.response]\nexpires_in_unit = \"milliseconds\"\n",
           R"({"access_token":"x","token_type":"Bearer","expires_in":3600000})")
            .expires_at
        == k_sent + 3600);
  CHECK(ok("[p.response]\ndefault_expires_in = 7200\n",
           R"({"access_token":"x","token_type":"Bearer"})")
            .expires_at
        == k_sent + 7200);
  CHECK(ok("[p.response]\nexpires_at_field = \"expires_at\"\n",
           R"({"access_token":"x","token_type":"Bearer","expires_at":"1900000000"})")
            .expires_at
        == 1900000000);
  CHECK_FALSE(
      ok("tokens_expire = false\n", R"({"access_token":"x","token_type":"Bearer","expires_in":60})")
          .expires_at);
}

TEST_CASE("scope as an array, absent, or narrower than requested (D6)") {
  CHECK(ok("", R"({"access_token":"x","token_type":"Bearer","scope":["a","b"]})").scope == "a b");
  CHECK(ok("", R"({"access_token":"x","token_type":"Bearer"})", "a b").scope == "a b");
  auto narrower = ok("", R"({"access_token":"x","token_type":"Bearer","scope":"a"})", "a b");
  CHECK(narrower.scope == "a");
  CHECK(narrower.warnings.size() == 1);
  CHECK(ok("scope_separator = \",\"\n",
           R"({"access_token":"x","token_type":"Bearer","scope":"a,b"})", "a b")
            .scope
        == "a b");
}

TEST_CASE("kept metadata is stored under flattened names") {
  auto t =
      ok("[p.response]\ntoken_path = \"authed_user\"\nkeep = [\"team.id\", \"instance_url\"]\n",
         R"({"team":{"id":"T1"},"instance_url":"https://na1.example",)"
         R"("authed_user":{"access_token":"xoxp","token_type":"Bearer"}})");
  CHECK(t.access_token == "xoxp");
  CHECK(t.extra["team_id"] == "T1");
  CHECK(t.extra["instance_url"] == "https://na1.example");
}

TEST_CASE("malformed bodies are errors, never crashes") {
  for (const char* body : {"", "{", "{\"access_token\":", "[1,2]", "<html>oops</html>", "%zz=1",
                           R"({"access_token":""})", R"({"access_token":42})"}) {
    CAPTURE(body);
    auto result = parse("", 200, body);
    CHECK(std::holds_alternative<OAuthError>(result));
  }
  CHECK(err("", 502, "<html>Bad gateway</html>").message().find("502") != std::string::npos);
}

TEST_CASE("deeply nested JSON is refused before it is parsed, in any field") {
  for (const std::string field : {"error", "error_description", "access_token"}) {
    std::string body =
        "{\"" + field + "\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
    CAPTURE(field);
    CHECK(err("", 200, body).error == "invalid_response");
  }
  // Brackets inside strings do not count.
  std::string brackets(70, '[');
  CHECK(ok("", R"({"access_token":")" + brackets + R"(","token_type":"Bearer"})").access_token
        == brackets);
}

TEST_CASE("scrub_secrets hides what a provider echoes back") {
  CHECK(
      scrub_secrets("invalid code the-code-123 for verifier vvvv-1", {"the-code-123", "vvvv-1", ""})
      == "invalid code [redacted] for verifier [redacted]");
  CHECK(scrub_secrets("abc", {"ab"}) == "abc"); // too short to mean anything
}

TEST_CASE("an 8 KiB JWT access token is kept unchanged (D7)") {
  std::string token(8192, 'J');
  for (size_t i = 0; i < token.size(); ++i)
    token[i] = "abcdefghijklmnopqrstuvwxyz0123456789-_."[i % 39];
  auto t = ok("", R"({"access_token":")" + token + R"(","token_type":"Bearer"})");
  CHECK(sha256(t.access_token) == sha256(token));
}

TEST_CASE("the code exchange carries the same redirect_uri and the client auth of the dialect") {
  App app;
  app.client_id = "id:1";
  app.client_secret = "s&cret";
  auto basic = test::provider_from("auth_method = \"client_secret_basic\"\n");
  auto r = build_code_exchange(basic, app, "c0de", "http://127.0.0.1:5/cb", "v");
  CHECK(find_header(r.headers, "Authorization") == "Basic " + base64("id%3A1:s%26cret"));
  CHECK(find_header(r.headers, "Accept") == "application/json");
  auto form = parse_form(r.body);
  REQUIRE(form);
  CHECK(find_param(*form, "redirect_uri") == "http://127.0.0.1:5/cb");
  CHECK(find_param(*form, "code_verifier") == "v");
  CHECK_FALSE(find_param(*form, "client_secret"));
  CHECK_FALSE(find_param(*form, "client_id"));

  auto post = test::provider_from("auth_method = \"client_secret_post\"\n");
  form = parse_form(build_code_exchange(post, app, "c", "u", "v").body);
  CHECK(find_param(*form, "client_secret") == "s&cret");
  CHECK(find_param(*form, "client_id") == "id:1");

  auto json_body = test::provider_from("auth_method = \"both\"\ntoken_request_format = \"json\"\n");
  auto j = build_code_exchange(json_body, app, "c", "u", "");
  CHECK(find_header(j.headers, "Content-Type") == "application/json");
  CHECK(j.body.find("\"client_secret\":\"s&cret\"") != std::string::npos);
  CHECK(j.body.find("code_verifier") == std::string::npos);
  CHECK(find_header(j.headers, "Authorization"));

  App pub;
  pub.client_id = "public";
  auto none = build_code_exchange(basic, pub, "c", "u", "v");
  CHECK_FALSE(find_header(none.headers, "Authorization"));
  CHECK(find_param(*parse_form(none.body), "client_id") == "public");
}

TEST_CASE("a token holding a control character is an invalid response, not a stored token") {
  for (const std::string& body :
       {std::string(R"({"access_token":"tok\r\nX-Injected: yes","token_type":"Bearer"})"),
        std::string(R"({"access_token":"ok","refresh_token":"a\u0000b","token_type":"Bearer"})"),
        std::string(R"({"access_token":"ok","id_token":"a\nb","token_type":"Bearer"})")})
    CHECK(std::holds_alternative<OAuthError>(parse("", 200, body)));
}
