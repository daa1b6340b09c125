// SPDX-License-Identifier: MIT
// The main job with fakes: the conversation between browser, loopback server, token
// endpoint and store.
#include "error.hpp"
#include "flow/connect.hpp"
#include "flow/url.hpp"
#include "support/catalog_fixture.hpp"
#include "support/fakes.hpp"

#include <doctest/doctest.h>

#include <atomic>

using namespace oauthlink;
using namespace oauthlink::flow;

namespace {

struct Rig {
  test::FakeHttpClient http;
  test::FakeCallbackServer server;
  test::FakeBrowser browser;
  test::QuietProgress progress;
  std::atomic<int64_t> clock{1'800'000'000};
  std::atomic<bool> interrupted{false};
  std::vector<TokenSet> stored;
  std::vector<ServerReply> pages;
  ConnectPlan plan;

  Rig() {
    plan.provider = test::provider_from("auth_method = \"client_secret_basic\"\n");
    plan.app.id = "app_x";
    plan.app.client_id = "cid";
    plan.app.client_secret = "csecret";
    plan.redirect_uri = "http://127.0.0.1:5000/callback/p";
    plan.expect.path = "/callback/p";
    plan.expect.allowed_hosts = {"127.0.0.1:5000"};
    plan.expect.state = "state-0123456789abcdef0123";
    plan.code_verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    plan.scopes = {"read"};
    plan.timeout_seconds = 300;
  }

  // The browser's part: requests to the loopback server, in order.
  void browse(std::vector<std::string> queries) {
    browser.script = [this, queries](const std::string&) {
      for (const auto& q : queries) {
        ServerRequest r;
        r.method = "GET";
        r.path = q.rfind("/", 0) == 0 ? q.substr(0, q.find('?')) : "/callback/p";
        r.query = q.rfind("/", 0) == 0 ? "" : q;
        r.headers = {{"Host", "127.0.0.1:5000"}};
        pages.push_back(server.handler(r));
      }
    };
  }

  Credential run() {
    ConnectPorts ports{http,
                       server,
                       browser,
                       progress,
                       [this] { return clock.load(); },
                       [this] { return interrupted.load(); },
                       [this](const TokenSet& t, const Params&) {
                         stored.push_back(t);
                         Credential c;
                         c.id = "cred_1";
                         c.tokens = t;
                         return c;
                       }};
    struct Join {
      test::FakeBrowser& b;
      ~Join() {
        if (b.worker.joinable())
          b.worker.join();
      }
    } join{browser};
    return connect(plan, ports);
  }
};

const HttpResponse k_token_ok{
    200,
    {},
    R"({"access_token":"at-1","token_type":"Bearer","expires_in":60,"refresh_token":"rt-1"})"};

std::string query_value(const std::string& url, const std::string& name) {
  auto parsed = parse_url(url);
  return find_param(*parse_form(parsed->query), name).value_or("");
}

} // namespace

TEST_CASE("connect exchanges the code once, with the authorize request's redirect_uri (A7)") {
  Rig rig;
  rig.http.replies.push_back(k_token_ok);
  rig.browse({"code=the-code&state=state-0123456789abcdef0123"});
  Credential c = rig.run();
  CHECK(c.tokens.access_token == "at-1");
  REQUIRE(rig.http.requests.size() == 1);
  REQUIRE(rig.browser.opened.size() == 1);
  auto form = parse_form(rig.http.requests[0].body);
  CHECK(find_param(*form, "redirect_uri") == query_value(rig.browser.opened[0], "redirect_uri"));
  CHECK(find_param(*form, "code") == "the-code");
  CHECK(rig.stored.size() == 1);
  CHECK(rig.server.stopped);
  REQUIRE(rig.pages.size() == 1);
  CHECK(rig.pages[0].status == 200);
  CHECK(rig.pages[0].body.find("the-code") == std::string::npos);
}

TEST_CASE("a forged state never reaches the token endpoint and the flow keeps waiting (A2)") {
  Rig rig;
  rig.http.replies.push_back(k_token_ok);
  rig.browse({"/favicon.ico", "code=evil&state=forged", "code=evil",
              "code=good&state=state-0123456789abcdef0123"});
  rig.run();
  REQUIRE(rig.pages.size() == 4);
  CHECK(rig.pages[0].status == 404);
  CHECK(rig.pages[1].status == 400);
  CHECK(rig.pages[2].status == 400);
  CHECK(rig.pages[3].status == 200);
  REQUIRE(rig.http.requests.size() == 1);
  CHECK(find_param(*parse_form(rig.http.requests[0].body), "code") == "good");
}

TEST_CASE("an error callback ends the flow with the provider's error and no exchange (A4)") {
  Rig rig;
  rig.browse(
      {"error=access_denied&error_description=User+denied&state=state-0123456789abcdef0123"});
  CHECK_THROWS_WITH_AS(rig.run(), "authorization failed: access_denied: User denied",
                       ProviderError);
  CHECK(rig.http.requests.empty());
  CHECK(rig.stored.empty());
  CHECK(rig.pages.at(0).status == 400);
}

TEST_CASE("a token endpoint error stores nothing and fails with the provider's message") {
  Rig rig;
  rig.http.replies.push_back(
      {400, {}, R"({"error":"invalid_grant","error_description":"expired"})"});
  rig.browse({"code=c&state=state-0123456789abcdef0123"});
  CHECK_THROWS_WITH_AS(rig.run(), "token endpoint: invalid_grant: expired", ProviderError);
  CHECK(rig.stored.empty());
  CHECK(rig.pages.at(0).status == 400);
}

TEST_CASE("a redirect from the token endpoint is an error, not followed (A13)") {
  Rig rig;
  rig.http.replies.push_back({307, {{"Location", "https://evil.example/token"}}, ""});
  rig.browse({"code=c&state=state-0123456789abcdef0123"});
  CHECK_THROWS_AS(rig.run(), ProviderError);
  CHECK(rig.http.requests.size() == 1);
  CHECK(rig.stored.empty());
}

TEST_CASE("no callback before the deadline is a timeout, with nothing stored") {
  Rig rig;
  rig.plan.timeout_seconds = 2;
  rig.browser.script = [&rig](const std::string&) {
    for (int i = 0; i < 5; ++i) {
      rig.clock += 1;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };
  CHECK_THROWS_AS(rig.run(), TimeoutError);
  CHECK(rig.http.requests.empty());
  CHECK(rig.server.stopped);
}

TEST_CASE("Ctrl-C ends the wait with Interrupted and nothing stored") {
  Rig rig;
  rig.browser.script = [&rig](const std::string&) { rig.interrupted = true; };
  CHECK_THROWS_AS(rig.run(), Interrupted);
  CHECK(rig.stored.empty());
  CHECK(rig.server.stopped);
}

TEST_CASE("a browser that cannot start still leaves the URL on stderr (A8)") {
  Rig rig;
  rig.browser.fail = true;
  rig.interrupted = true;
  CHECK_THROWS_AS(rig.run(), Interrupted);
  bool url_shown = false, warned = false;
  for (const auto& line : rig.progress.lines) {
    url_shown = url_shown || line.rfind("url: https://as.example/authorize?", 0) == 0;
    warned = warned || line.find("could not start a browser") != std::string::npos;
  }
  CHECK(url_shown);
  CHECK(warned);
}

TEST_CASE("a token error that echoes the request does not reveal code or verifier (E2)") {
  Rig rig;
  rig.http.replies.push_back(
      {400,
       {},
       R"({"error":"invalid_grant","error_description":"bad code the-code with verifier )"
       R"(dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk and secret csecret"})"});
  rig.browse({"code=the-code&state=state-0123456789abcdef0123"});
  try {
    rig.run();
    FAIL("expected ProviderError");
  } catch (const ProviderError& e) {
    std::string message = e.what();
    CHECK(message.find("the-code") == std::string::npos);
    CHECK(message.find("dBjftJeZ4CVP") == std::string::npos);
    CHECK(message.find("csecret") == std::string::npos);
    CHECK(message.find("[redacted]") != std::string::npos);
  }
}

TEST_CASE("connect runs the post-authorization requests with the new token and keeps values") {
  Rig rig;
  rig.plan.provider = test::provider_from("[[p.post_authorization]]\n"
                                          "url = \"https://api.as.example/sites\"\n"
                                          "keep = { cloudId = \"0.id\" }\n");
  rig.http.replies.push_back(k_token_ok);
  rig.http.replies.push_back({200, {}, R"([{"id":"site-7"}])"});
  rig.browse({"code=the-code&state=state-0123456789abcdef0123"});
  Credential c = rig.run();
  REQUIRE(rig.http.requests.size() == 2);
  CHECK(rig.http.requests[1].url == "https://api.as.example/sites");
  CHECK(find_header(rig.http.requests[1].headers, "Authorization") == "Bearer at-1");
  REQUIRE(rig.stored.size() == 1);
  CHECK(rig.stored[0].extra.at("cloudId") == "site-7");
  CHECK(c.tokens.extra.at("cloudId") == "site-7");
}

TEST_CASE("a required post-authorization request that fails stores nothing") {
  Rig rig;
  rig.plan.provider = test::provider_from("[[p.post_authorization]]\n"
                                          "url = \"https://api.as.example/meta\"\n"
                                          "keep = { dc = \"dc\" }\nrequired = true\n");
  rig.http.replies.push_back(k_token_ok);
  rig.http.replies.push_back({500, {}, "oops"});
  rig.browse({"code=the-code&state=state-0123456789abcdef0123"});
  CHECK_THROWS_AS(rig.run(), ProviderError);
  CHECK(rig.stored.empty());
  REQUIRE(rig.pages.size() == 1);
  CHECK(rig.pages[0].status != 200);
}
