// SPDX-License-Identifier: MIT
#include "flow/url.hpp"

#include <doctest/doctest.h>

using namespace oauthlink::flow;

TEST_CASE("form parsing turns '+' into a space and decodes escapes") {
  auto params = parse_form("error=access_denied&error_description=User+denied+%3Cb%3E");
  REQUIRE(params);
  CHECK(find_param(*params, "error_description") == "User denied <b>");
}

TEST_CASE("malformed percent escapes are rejected, not crashed on") {
  CHECK_FALSE(parse_form("state=%E0%A4%A"));
  CHECK_FALSE(parse_form("state=%"));
  CHECK_FALSE(parse_form("state=%zz"));
  CHECK(parse_form("state=caf%C3%A9"));
}

TEST_CASE("append_query keeps an existing query and fragment order") {
  CHECK(append_query("https://as/auth?tenant=x", {{"a", "b c"}})
        == "https://as/auth?tenant=x&a=b%20c");
  CHECK(append_query("https://as/auth", {{"a", "1"}}) == "https://as/auth?a=1");
  CHECK(append_query("https://as/auth?", {{"a", "1"}}) == "https://as/auth?a=1");
}

TEST_CASE("parse_url rejects user info and non-http schemes") {
  CHECK_FALSE(parse_url("http://127.0.0.1@evil.com/cb"));
  CHECK_FALSE(parse_url("ftp://host/x"));
  CHECK_FALSE(parse_url("http://host:99999/"));
  auto url = parse_url("http://[::1]:8080/cb?x=1");
  REQUIRE(url);
  CHECK(url->host == "::1");
  CHECK(url->port == 8080);
  CHECK(url->path == "/cb");
  CHECK(url->query == "x=1");
}

TEST_CASE("loopback hosts are 127.0.0.0/8, ::1 and localhost only") {
  CHECK(is_loopback_host("127.0.0.1"));
  CHECK(is_loopback_host("127.1.2.3"));
  CHECK(is_loopback_host("::1"));
  CHECK(is_loopback_host("localhost"));
  CHECK_FALSE(is_loopback_host("127.0.0.1.evil.com"));
  CHECK_FALSE(is_loopback_host("128.0.0.1"));
  CHECK_FALSE(is_loopback_host("example.com"));
}
