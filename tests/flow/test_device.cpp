// SPDX-License-Identifier: MIT
#include "error.hpp"
#include "flow/device.hpp"
#include "flow/url.hpp"
#include "support/catalog_fixture.hpp"
#include "support/fakes.hpp"

#include <doctest/doctest.h>

using namespace oauthlink;
using namespace oauthlink::flow;

namespace {

struct DeviceRig {
  test::FakeHttpClient http;
  int64_t clock = 1000;
  std::vector<int64_t> polls; // seconds since the start, one per token request
  providers::Provider provider = test::provider_from("");
  App app;
  DeviceAuthorization authorization;

  DeviceRig() {
    app.client_id = "cid";
    authorization.device_code = "dc";
    authorization.user_code = "ABCD-EFGH";
    authorization.verification_uri = "https://as.example/device";
    authorization.expires_in = 600;
    authorization.interval = 5;
  }
  void reply(const std::string& error) {
    http.replies.push_back({400, {}, R"({"error":")" + error + R"("})"});
  }
  TokenSet run() {
    struct Recording : HttpClient {
      DeviceRig& rig;
      explicit Recording(DeviceRig& r)
          : rig(r) {}
      HttpResponse send(const HttpRequest& r) override {
        rig.polls.push_back(rig.clock - 1000);
        return rig.http.send(r);
      }
    } recording{*this};
    DevicePorts ports{recording, [this] { return clock; }, [this](int64_t s) { clock += s; },
                      [] { return false; }};
    return poll_device_token(provider, app, authorization, "", ports);
  }
};

} // namespace

TEST_CASE("device polling obeys interval and slow_down: polls at 0, 5, 15, 25 s (A12)") {
  DeviceRig rig;
  rig.reply("authorization_pending");
  rig.reply("slow_down");
  rig.reply("authorization_pending");
  rig.http.replies.push_back({200, {}, R"({"access_token":"at","token_type":"Bearer"})"});
  auto tokens = rig.run();
  CHECK(tokens.access_token == "at");
  CHECK(rig.polls == std::vector<int64_t>{0, 5, 15, 25});
  auto form = parse_form(rig.http.requests.at(0).body);
  CHECK(find_param(*form, "grant_type") == "urn:ietf:params:oauth:grant-type:device_code");
  CHECK(find_param(*form, "device_code") == "dc");
}

TEST_CASE("slow_down is never fatal, even many times over") {
  DeviceRig rig;
  for (int i = 0; i < 6; ++i)
    rig.reply("slow_down");
  rig.http.replies.push_back({200, {}, R"({"access_token":"at","token_type":"Bearer"})"});
  CHECK(rig.run().access_token == "at");
  CHECK(rig.polls.back() == 5 + 10 + 15 + 20 + 25 + 30 + 35 - 5);
}

TEST_CASE("denial, expiry and the deadline end the polling") {
  DeviceRig denied;
  denied.reply("access_denied");
  CHECK_THROWS_AS(denied.run(), ProviderError);
  DeviceRig expired;
  expired.reply("expired_token");
  CHECK_THROWS_AS(expired.run(), TimeoutError);
  DeviceRig late;
  late.authorization.expires_in = 12;
  for (int i = 0; i < 10; ++i)
    late.reply("authorization_pending");
  CHECK_THROWS_AS(late.run(), TimeoutError);
  CHECK(late.polls == std::vector<int64_t>{0, 5, 10}); // the next would be past 12 s
}

TEST_CASE("the device authorization answer is parsed, with RFC 8628 defaults") {
  auto a = parse_device_authorization(
      {200,
       {},
       R"({"device_code":"d","user_code":"U","verification_uri":"https://v","expires_in":300})"});
  REQUIRE(std::holds_alternative<DeviceAuthorization>(a));
  CHECK(std::get<DeviceAuthorization>(a).interval == 5);
  CHECK(std::holds_alternative<OAuthError>(parse_device_authorization({200, {}, "{}"})));
  CHECK(std::holds_alternative<OAuthError>(
      parse_device_authorization({400, {}, R"({"error":"invalid_client"})"})));
}
