// SPDX-License-Identifier: MIT
// The emulator's strictness, request by request: what a client that got the dialect
// wrong is refused for. Pure: flow::Emulator::handle with hand-made requests.
#include "emulator/emulator_harness.hpp"
#include "error.hpp"
#include "flow/device.hpp"
#include "flow/post_auth.hpp"

#include <doctest/doctest.h>

using namespace oauthlink;
using test::EmulatorHarness;
using test::HarnessOptions;

namespace {

// An authorization code obtained by hand (the authorize GET, no browser), for requests a
// correct client would never send.
std::string fresh_code(test::EmulatorHarness& h, const std::string& redirect,
                       const std::string& verifier) {
  net::CurlHttpClient http;
  auto url = flow::build_authorize_url(h.resolved, h.app, {redirect, "s", verifier, {}});
  auto reply = http.send({"GET", url, {}, ""});
  REQUIRE(reply.status == 302);
  auto location = flow::parse_url(flow::find_header(reply.headers, "Location").value_or(""));
  REQUIRE(location);
  return flow::find_param(*flow::parse_form(location->query), "code").value_or("");
}

} // namespace

TEST_SUITE("emulator") {

  TEST_CASE("emulator: a scope joined with spaces is refused by a comma provider (slack)") {
    EmulatorHarness h("slack");
    h.resolved.scope_separator = " ";
    CHECK_THROWS_AS(h.connect({"channels:read", "chat:write"}), ProviderError);
    CHECK(h.at("authorize")[0].problem.find("expects ','") != std::string::npos);
  }

  TEST_CASE("emulator: a missing authorize parameter is refused (google access_type)") {
    EmulatorHarness h("google");
    h.resolved.authorize_params.clear();
    CHECK_THROWS_AS(h.connect(), ProviderError);
    CHECK(h.at("authorize")[0].problem.find("authorize parameter") != std::string::npos);
  }

  TEST_CASE("emulator: a form body is refused by a JSON provider (notion)") {
    EmulatorHarness h("notion");
    h.resolved.token_request_format = providers::BodyFormat::form;
    CHECK_THROWS_AS(h.connect(), ProviderError);
    CHECK(h.at("token")[0].problem.find("must be JSON") != std::string::npos);
  }

  TEST_CASE("emulator: the standard client_id name is refused where the provider renames it") {
    EmulatorHarness h("tiktok");
    h.resolved.client_id_param = "client_id";
    // An unidentified client gets an error page, never a redirect (RFC 6749 §4.1.2.1), so
    // the flow waits until its deadline.
    h.timeout_seconds = 2;
    CHECK_THROWS_AS(h.connect(), TimeoutError);
    CHECK(h.browser_status == 400);
    CHECK(h.at("authorize")[0].problem.find(h.shipped.client_id_param) != std::string::npos);
    CHECK(h.at("token").empty());
  }

  TEST_CASE("emulator: a missing token parameter is refused (synthetic audience)") {
    HarnessOptions options;
    options.extra_catalog = "[synthetic-token-params]\nname = \"Synthetic\"\n"
                            "docs = \"https://synthetic.invalid/docs\"\n"
                            "authorization_url = \"https://synthetic.invalid/a\"\n"
                            "token_url = \"https://synthetic.invalid/t\"\n"
                            "token_params = { audience = \"api\" }\n";
    EmulatorHarness h("synthetic-token-params", options);
    h.resolved.token_params.clear();
    CHECK_THROWS_AS(h.connect(), ProviderError);
    CHECK(h.at("token")[0].problem.find("token parameter 'audience'") != std::string::npos);
  }

  TEST_CASE("emulator: a redirect_uri that differs from the authorize request's is refused (A7)") {
    EmulatorHarness h("github");
    std::string verifier = sys::random_urlsafe(64);
    std::string code = fresh_code(h, "http://127.0.0.1:5/cb", verifier);
    net::CurlHttpClient http;
    auto answer = http.send(
        flow::build_code_exchange(h.resolved, h.app, code, "http://127.0.0.1:5/cb/", verifier));
    CHECK(answer.status == 400);
    CHECK(h.at("token")[0].problem.find("redirect_uri differs") != std::string::npos);
    CHECK(h.emulator->grants().empty());
  }

  TEST_CASE("emulator: a code_verifier for a code issued without a challenge is refused (C7)") {
    EmulatorHarness h("synthetic-no-pkce", [] {
      HarnessOptions o;
      o.extra_catalog = "[synthetic-no-pkce]\nname = \"Synthetic\"\n"
                        "docs = \"https://synthetic.invalid/docs\"\n"
                        "authorization_url = \"https://synthetic.invalid/a\"\n"
                        "token_url = \"https://synthetic.invalid/t\"\npkce = \"forbidden\"\n";
      return o;
    }());
    // The client believes PKCE is merely supported at the token step: it sends a verifier
    // although its authorization request carried no challenge (a downgrade).
    std::string code = fresh_code(h, "http://127.0.0.1:5/cb", "");
    net::CurlHttpClient http;
    auto answer = http.send(flow::build_code_exchange(
        h.resolved, h.app, code, "http://127.0.0.1:5/cb", sys::random_urlsafe(64)));
    CHECK(answer.status == 400);
    CHECK(h.at("token")[0].problem.find("code_verifier without a challenge") != std::string::npos);
    CHECK(h.emulator->grants().empty());
  }

  TEST_CASE("emulator: the overlay points every endpoint of the entry at the emulator (A13)") {
    for (const char* slug : {"github", "google", "microsoft", "salesforce"}) {
      CAPTURE(slug);
      EmulatorHarness h(slug);
      std::string base = h.server.url("/");
      for (const std::string* url :
           {&h.resolved.authorization_url, &h.resolved.token_url, &h.resolved.refresh_url,
            &h.resolved.revocation_url, &h.resolved.userinfo_url,
            &h.resolved.device_authorization_url, &h.resolved.api_base_url})
        CHECK((url->empty() || url->rfind(base, 0) == 0));
    }
    // A device flow goes to the emulator too, never to the provider (no shipped entry names
    // a device endpoint yet: a synthetic one).
    HarnessOptions options;
    options.extra_catalog = "[synthetic-device]\nname = \"Synthetic\"\n"
                            "docs = \"https://synthetic.invalid/docs\"\n"
                            "authorization_url = \"https://synthetic.invalid/a\"\n"
                            "token_url = \"https://synthetic.invalid/t\"\n"
                            "device_authorization_url = \"https://synthetic.invalid/d\"\n";
    EmulatorHarness h("synthetic-device", options);
    REQUIRE(h.resolved.device_authorization_url.rfind(h.server.url("/"), 0) == 0);
    net::CurlHttpClient http;
    auto answer = http.send(flow::build_device_authorization_request(
        h.resolved, h.app, h.resolved.device_authorization_url, {}));
    CHECK(answer.status == 400); // its grant_types do not name device_code
    CHECK(h.at("device").size() == 1);
  }

  TEST_CASE("emulator: post-authorization requests are counted in stats, which hold no token") {
    EmulatorHarness h("mailchimp");
    auto c = h.connect();
    CHECK(h.problems() == "");
    auto stats = h.emulator->stats();
    CHECK(stats["requests"]["post-auth"] == 1);
    std::string text = stats.dump();
    CHECK(text.find(c.tokens.access_token) == std::string::npos);
    CHECK(text.find(h.app.client_secret) == std::string::npos);
  }

  TEST_CASE("emulator: a post-authorization request without the access token is refused") {
    EmulatorHarness h("mailchimp");
    h.connect();
    net::CurlHttpClient http;
    auto request =
        flow::build_post_auth_request(h.resolved.post_authorization[0], "not-issued", {}, {});
    CHECK(http.send(request).status == 401);
    CHECK(h.at("post-auth").back().problem != "");
    CHECK(h.emulator->stats().dump().find("not-issued") == std::string::npos);
  }

} // TEST_SUITE
