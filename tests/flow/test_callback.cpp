// SPDX-License-Identifier: MIT
#include "flow/callback.hpp"

#include <doctest/doctest.h>

using namespace oauthlink::flow;

namespace {

CallbackExpectation expectation() {
  CallbackExpectation e;
  e.path = "/callback/github";
  e.allowed_hosts = {"127.0.0.1:5000"};
  e.state = "S";
  return e;
}

ServerRequest get(const std::string& path, const std::string& query,
                  const std::string& host = "127.0.0.1:5000") {
  ServerRequest r;
  r.method = "GET";
  r.path = path;
  r.query = query;
  r.headers = {{"Host", host}};
  return r;
}

} // namespace

TEST_CASE("a valid callback yields the code") {
  auto r = check_callback(get("/callback/github", "code=abc&state=S"), expectation());
  CHECK(r.kind == CallbackKind::code);
  CHECK(r.code == "abc");
}

TEST_CASE("wrong, missing or malformed state is a 400 and not the flow's end (A2, A3)") {
  for (const char* query : {"code=x&state=T", "code=x", "code=x&state=", "state=caf%C3%A9&code=x",
                            "state=%E0%A4%A&code=x", "code=x&state=S%00"}) {
    CAPTURE(query);
    auto r = check_callback(get("/callback/github", query), expectation());
    CHECK(r.kind == CallbackKind::rejected);
    CHECK(r.reply.status == 400);
    CHECK(r.reason.find("state mismatch") != std::string::npos);
  }
}

TEST_CASE("repeated state, code, iss or error parameters are rejected (RFC 6749 §3.1)") {
  for (const char* query :
       {"code=x&state=S&state=S", "code=x&state=S&state=T", "code=a&code=b&state=S",
        "code=x&state=S&iss=a&iss=b", "error=a&error=b&state=S"}) {
    CAPTURE(query);
    CHECK(check_callback(get("/callback/github", query), expectation()).kind
          == CallbackKind::rejected);
  }
}

TEST_CASE("an error callback is decoded with form rules and escaped on the page (A4)") {
  auto r = check_callback(
      get("/callback/github", "error=access_denied&error_description=User+denied+%3Cb%3E&state=S"),
      expectation());
  REQUIRE(r.kind == CallbackKind::error);
  CHECK(r.error.message() == "access_denied: User denied <b>");
  CHECK(r.reply.body.find("&lt;b&gt;") != std::string::npos);
  CHECK(r.reply.body.find("<b>") == std::string::npos);
}

TEST_CASE("iss must equal the issuer exactly, and is required when advertised (A5)") {
  auto e = expectation();
  e.issuer = "https://as.example";
  CHECK(
      check_callback(get("/callback/github", "code=x&state=S&iss=https%3A%2F%2Fas.example"), e).kind
      == CallbackKind::code);
  auto evil = check_callback(get("/callback/github", "code=x&state=S&iss=https%3A%2F%2Fevil"), e);
  CHECK(evil.kind == CallbackKind::rejected);
  // An error from a mismatched issuer is not acted on either.
  CHECK(check_callback(
            get("/callback/github", "error=access_denied&state=S&iss=https%3A%2F%2Fevil"), e)
            .kind
        == CallbackKind::rejected);
  CHECK(check_callback(get("/callback/github", "code=x&state=S"), e).kind == CallbackKind::code);
  e.iss_required = true;
  CHECK(check_callback(get("/callback/github", "code=x&state=S"), e).kind
        == CallbackKind::rejected);
}

TEST_CASE("a callback on another provider's path is not the flow's (A6, B4)") {
  auto r = check_callback(get("/callback/google", "code=x&state=S"), expectation());
  CHECK(r.kind == CallbackKind::stray);
  CHECK(r.reply.status == 404);
  CHECK(check_callback(get("/favicon.ico", ""), expectation()).kind == CallbackKind::stray);
  auto post = get("/callback/github", "code=x&state=S");
  post.method = "POST";
  CHECK(check_callback(post, expectation()).kind == CallbackKind::stray);
}

TEST_CASE("a foreign Host header is refused (B3 DNS rebinding)") {
  auto r =
      check_callback(get("/callback/github", "code=x&state=S", "evil.example:5000"), expectation());
  CHECK(r.kind == CallbackKind::rejected);
  CHECK(r.reply.status == 421);
}

TEST_CASE("result pages are no-store, no-referrer and contain no code (B8)") {
  auto page = success_page("GitHub");
  auto header = [&](const char* name) { return find_header(page.headers, name).value_or(""); };
  CHECK(header("Cache-Control") == "no-store");
  CHECK(header("Referrer-Policy") == "no-referrer");
  CHECK_FALSE(find_header(page.headers, "Access-Control-Allow-Origin"));
  CHECK(page.body.find("http") == std::string::npos); // no third-party resources
}

TEST_CASE("catalog-named callback values are kept") {
  auto e = expectation();
  e.keep = {"realmId"};
  auto r = check_callback(get("/callback/github", "code=x&state=S&realmId=123"), e);
  REQUIRE(r.kind == CallbackKind::code);
  CHECK(find_param(r.kept, "realmId") == "123");
}
