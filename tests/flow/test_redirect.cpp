// SPDX-License-Identifier: MIT
#include "error.hpp"
#include "flow/redirect.hpp"

#include <doctest/doctest.h>

using namespace oauthlink;
using namespace oauthlink::flow;

TEST_CASE("redirect URIs match exactly; only a loopback port may vary (C1)") {
  const std::string reg = "http://127.0.0.1/cb/:provider";
  CHECK(redirect_matches(reg, "github", "http://127.0.0.1:5173/cb/github"));
  CHECK(redirect_matches(reg, "github", "http://127.0.0.1/cb/github"));
  for (const char* bad :
       {"http://127.0.0.1:5173/cb/github/../x", "http://127.0.0.1.evil.com/cb/github",
        "http://127.0.0.1@evil.com/cb/github", "http://localhost:5173/cb/github",
        "http://127.0.0.1:5173/cb/gitlab", "http://127.0.0.1:5173/cb/github?x=1",
        "http://127.0.0.1:5173/CB/github", "https://127.0.0.1:5173/cb/github"}) {
    CAPTURE(bad);
    CHECK_FALSE(redirect_matches(reg, "github", bad));
  }
  CHECK_FALSE(redirect_matches("http://127.0.0.1:8765/cb", "github", "http://127.0.0.1:9999/cb"));
  CHECK(redirect_matches("https://app.example/cb", "github", "https://app.example/cb"));
  CHECK_FALSE(redirect_matches("https://app.example/cb", "github", "https://app.example/cb/"));
}

TEST_CASE(":provider is substituted only with a valid slug (C2)") {
  CHECK_THROWS_AS(substitute_provider("http://127.0.0.1/cb/:provider", "github/../x"), UsageError);
  CHECK_FALSE(redirect_matches("http://127.0.0.1/cb/:provider", "github/../x",
                               "http://127.0.0.1/cb/github/../x"));
}

TEST_CASE("registered templates are checked") {
  CHECK_FALSE(check_redirect_template("http://127.0.0.1:8765/callback/:provider"));
  CHECK_FALSE(check_redirect_template("https://app.example/cb"));
  CHECK(check_redirect_template("http://app.example/cb"));
  CHECK(check_redirect_template("http://127.0.0.1/cb#frag"));
  CHECK(check_redirect_template("not a url"));
  // Control characters and spaces would split the broker's Location header.
  CHECK(check_redirect_template("http://127.0.0.1:8765/cb\r\nX: y"));
  CHECK(check_redirect_template("http://127.0.0.1:8765/cb\n"));
  CHECK(check_redirect_template("http://127.0.0.1:8765/c b"));
  CHECK(check_redirect_template(std::string("http://127.0.0.1:8765/cb\0x", 27)));
}

TEST_CASE("connect listens on the registered loopback URI, else an ephemeral default") {
  std::vector<std::string> notes;
  auto plan = plan_loopback(
      "", {"https://app.example/cb", "http://127.0.0.1:8765/callback/:provider"}, "github", notes);
  CHECK(plan.bind_host == "127.0.0.1");
  CHECK(plan.port == 8765);
  CHECK(plan.path == "/callback/github");
  CHECK(plan.uri(8765) == "http://127.0.0.1:8765/callback/github");

  notes.clear();
  auto def = plan_loopback("", {}, "slack", notes);
  CHECK(def.port == 0);
  CHECK(def.uri(40000) == "http://127.0.0.1:40000/callback/slack");
  CHECK(def.allowed_hosts(40000) == std::vector<std::string>{"127.0.0.1:40000"});
  CHECK(notes.size() == 1);

  notes.clear();
  auto only_https = plan_loopback("", {"https://app.example/cb/:provider"}, "slack", notes);
  CHECK(only_https.port == 0);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].find("none of the 1 registered redirect URIs is an http loopback URI") == 0);

  auto v6 = plan_loopback("http://[::1]:7000/cb", {}, "x", notes);
  CHECK(v6.bind_host == "::1");
  CHECK(v6.uri(7000) == "http://[::1]:7000/cb");

  CHECK_THROWS_AS(plan_loopback("https://app.example/cb", {}, "x", notes), UsageError);
  // https registrations are the broker's: they do not constrain a loopback --redirect-uri.
  CHECK(plan_loopback("http://127.0.0.1:9/cb", {"https://app.example/cb"}, "x", notes).port == 9);
  CHECK_THROWS_AS(
      plan_loopback("http://127.0.0.1:9/other", {"http://127.0.0.1:8765/cb"}, "x", notes),
      UsageError);
}
