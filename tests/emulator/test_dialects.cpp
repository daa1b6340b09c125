// SPDX-License-Identifier: MIT
// Every catalog field, proven by the real connect and refresh paths of a catalog provider
// that uses it, against an emulator of that provider (the table is in README.md here).
// Expected values come from the catalog entry or the emulator's own state, never from
// literals the test fed in.
#include "emulator/emulator_harness.hpp"
#include "error.hpp"
#include "flow/device.hpp"
#include "flow/post_auth.hpp"

#include <doctest/doctest.h>

#include <algorithm>

using namespace oauthlink;
using test::EmulatorHarness;
using test::HarnessOptions;

namespace {

// Connects, checks the emulator accepted every request and that the credential holds
// exactly what the emulator issued.
flow::Credential connect_ok(EmulatorHarness& h, const std::vector<std::string>& scopes = {}) {
  flow::Credential c = h.connect(scopes);
  CHECK(h.problems() == "");
  auto grants = h.emulator->grants();
  REQUIRE(grants.size() == 1);
  CHECK(c.tokens.access_token == grants[0].access_token);
  CHECK(c.tokens.refresh_token == grants[0].refresh_token);
  REQUIRE(h.at("token").size() == 1);
  // RFC 6749 §4.1.3: the same redirect_uri, byte for byte, in both requests (A7).
  CHECK(flow::find_param(h.at("authorize")[0].params, "redirect_uri") == h.redirect_uri);
  CHECK(flow::find_param(h.at("token")[0].params, "redirect_uri") == h.redirect_uri);
  return c;
}

// Refreshes, checks it was accepted and the credential holds the new access token.
flow::Credential refresh_ok(EmulatorHarness& h, const flow::Credential& c) {
  auto result = h.refresh(c);
  REQUIRE(std::holds_alternative<flow::Credential>(result));
  CHECK(h.emulator->records().back().problem == "");
  auto next = std::get<flow::Credential>(result);
  CHECK(next.tokens.access_token == h.emulator->grants().back().access_token);
  CHECK(next.tokens.access_token != c.tokens.access_token);
  CHECK(h.emulator->is_active(next.tokens.access_token));
  return next;
}

std::string param(const flow::EmulatorRecord& record, const std::string& name) {
  return flow::find_param(record.params, name).value_or("<absent>");
}

// Every token-endpoint request authenticated this way ("basic", "body", "basic+body", "none").
void check_client_auth(EmulatorHarness& h, const std::string& expected) {
  auto c = connect_ok(h);
  refresh_ok(h, c);
  REQUIRE(h.at("token").size() == 2);
  for (const auto& record : h.at("token"))
    CHECK(record.client_auth == expected);
}

std::string joined(const std::vector<std::string>& items, const std::string& separator) {
  return flow::join_scopes(items, separator);
}

// Clearly synthetic entries, for fields no shipped provider uses.
const char* k_synthetic = R"toml(
[synthetic-refresh-url]
name = "Synthetic: separate refresh URL and extra token/refresh parameters"
docs = "https://synthetic.invalid/docs"
authorization_url = "https://synthetic.invalid/oauth/authorize"
token_url = "https://synthetic.invalid/oauth/token"
refresh_url = "https://synthetic.invalid/oauth/refresh"
grant_types = ["authorization_code", "refresh_token"]
token_params = { audience = "synthetic-api" }
refresh_params = { duration = "permanent" }

[synthetic-no-pkce]
name = "Synthetic: PKCE forbidden, '+' scope separator"
docs = "https://synthetic.invalid/docs"
authorization_url = "https://synthetic.invalid/authorize"
token_url = "https://synthetic.invalid/token"
grant_types = ["authorization_code", "refresh_token"]
pkce = "forbidden"
scope_separator = "+"
default_scopes = ["read", "write"]

[synthetic-nested]
name = "Synthetic: token nested at a path, expires_in in milliseconds"
docs = "https://synthetic.invalid/docs"
authorization_url = "https://synthetic.invalid/authorize"
token_url = "https://synthetic.invalid/token"
grant_types = ["authorization_code", "refresh_token"]
response = { token_path = "data.token", expires_in_unit = "milliseconds", keep = ["data.account"] }

[synthetic-public]
name = "Synthetic: a public client (auth_method none)"
docs = "https://synthetic.invalid/docs"
authorization_url = "https://synthetic.invalid/authorize"
token_url = "https://synthetic.invalid/token"
grant_types = ["authorization_code", "refresh_token"]
auth_method = "none"
pkce = "required"

[synthetic-device]
name = "Synthetic: a device authorization endpoint (RFC 8628)"
docs = "https://synthetic.invalid/docs"
authorization_url = "https://synthetic.invalid/authorize"
token_url = "https://synthetic.invalid/token"
device_authorization_url = "https://synthetic.invalid/device/code"
grant_types = ["authorization_code", "refresh_token", "device_code"]
default_scopes = ["read"]

[synthetic-post-auth-chain]
name = "Synthetic: two post-authorization requests, the second's URL from the first's answer"
docs = "https://synthetic.invalid/docs"
authorization_url = "https://synthetic.invalid/authorize"
token_url = "https://synthetic.invalid/token"
grant_types = ["authorization_code"]
tokens_expire = false

[[synthetic-post-auth-chain.post_authorization]]
url = "https://synthetic.invalid/api/sites"
keep = { site = "sites.id" }
required = true

[[synthetic-post-auth-chain.post_authorization]]
method = "POST"
url = "https://synthetic.invalid/api/sites/{site}/owner"
auth_scheme = "Token"
headers = { X-Api-Version = "2" }
keep = { owner = "owners.0.name" }
required = true
)toml";

HarnessOptions synthetic() {
  HarnessOptions options;
  options.extra_catalog = k_synthetic;
  return options;
}

} // namespace

TEST_SUITE("emulator") {

  TEST_CASE("auth_method client_secret_post: github sends the client id and secret in the body") {
    EmulatorHarness h("github");
    REQUIRE(h.shipped.auth_method == providers::AuthMethod::client_secret_post);
    connect_ok(h);
    auto token = h.at("token")[0];
    CHECK(token.client_auth == "body");
    CHECK(param(token, "client_id") == h.app.client_id);
  }

  TEST_CASE(
      "auth_method client_secret_basic: notion authenticates with Basic only, also on refresh") {
    EmulatorHarness h("notion");
    REQUIRE(h.shipped.auth_method == providers::AuthMethod::client_secret_basic);
    check_client_auth(h, "basic");
    for (const auto& record : h.at("token"))
      CHECK(param(record, "client_secret") == "<absent>");
  }

  TEST_CASE("auth_method both: dropbox sends Basic credentials and the body values") {
    EmulatorHarness h("dropbox");
    REQUIRE(h.shipped.auth_method == providers::AuthMethod::both);
    check_client_auth(h, "basic+body");
  }

  TEST_CASE("auth_method none: a synthetic public client sends only its client id") {
    EmulatorHarness h("synthetic-public", [] {
      auto o = synthetic();
      o.public_client = true;
      return o;
    }());
    check_client_auth(h, "none");
    for (const auto& record : h.at("token"))
      CHECK(param(record, "client_id") == h.app.client_id);
  }

  TEST_CASE("auth_method: the emulator refuses a client that authenticates another way") {
    // The same notion dialect, with the app forced to post its secret in the body.
    EmulatorHarness h("notion");
    h.resolved.auth_method = providers::AuthMethod::client_secret_post;
    CHECK_THROWS_AS(h.connect(), ProviderError);
    CHECK(h.at("token").at(0).problem.find("client_secret_basic") != std::string::npos);
    CHECK(h.emulator->grants().empty());
  }

  TEST_CASE("token_request_format json: notion and square send a JSON token request") {
    for (const char* slug : {"notion", "square"}) {
      CAPTURE(slug);
      EmulatorHarness h(slug);
      REQUIRE(h.shipped.token_request_format == providers::BodyFormat::json);
      auto c = connect_ok(h);
      refresh_ok(h, c);
      for (const auto& record : h.at("token"))
        CHECK(record.body_format == "json");
    }
  }

  TEST_CASE("client_id_param: tiktok names the client id client_key in authorize and token") {
    EmulatorHarness h("tiktok");
    REQUIRE(h.shipped.client_id_param != "client_id");
    auto c = connect_ok(h);
    refresh_ok(h, c);
    CHECK(param(h.at("authorize")[0], h.shipped.client_id_param) == h.app.client_id);
    CHECK(param(h.at("authorize")[0], "client_id") == "<absent>");
    for (const auto& record : h.at("token")) {
      CHECK(param(record, h.shipped.client_id_param) == h.app.client_id);
      CHECK(param(record, "client_id") == "<absent>");
    }
  }

  TEST_CASE("scope_separator ',': slack joins scopes with commas and the granted scope is read") {
    EmulatorHarness h("slack");
    REQUIRE(h.shipped.scope_separator == ",");
    std::vector<std::string> scopes = {"channels:read", "chat:write"};
    auto c = connect_ok(h, scopes);
    CHECK(param(h.at("authorize")[0], "scope") == joined(scopes, ","));
    CHECK(c.tokens.scope == joined(h.emulator->grants()[0].scopes, " "));
    refresh_ok(h, c);
  }

  TEST_CASE("scope_separator ' ': google joins scopes with spaces") {
    EmulatorHarness h("google");
    REQUIRE(h.shipped.scope_separator == " ");
    auto c = connect_ok(h);
    CHECK(param(h.at("authorize")[0], "scope") == joined(h.shipped.default_scopes, " "));
    refresh_ok(h, c);
  }

  TEST_CASE("scope_separator '+': a synthetic entry sends form-encoded spaces") {
    EmulatorHarness h("synthetic-no-pkce", synthetic());
    auto c = connect_ok(h);
    CHECK(h.emulator->grants()[0].scopes == h.shipped.default_scopes);
    CHECK(c.tokens.scope == joined(h.shipped.default_scopes, " "));
  }

  TEST_CASE("default_scopes: github asks for its default scopes when the app names none") {
    EmulatorHarness h("github");
    REQUIRE(!h.shipped.default_scopes.empty());
    connect_ok(h);
    CHECK(param(h.at("authorize")[0], "scope") == joined(h.shipped.default_scopes, " "));
  }

  TEST_CASE("offline_scopes: salesforce adds its offline scope, which unlocks a refresh token") {
    EmulatorHarness h("salesforce");
    REQUIRE(!h.shipped.offline_scopes.empty());
    auto c = connect_ok(h);
    auto asked = flow::split_scopes(param(h.at("authorize")[0], "scope"));
    for (const auto& scope : h.shipped.offline_scopes)
      CHECK(std::find(asked.begin(), asked.end(), scope) != asked.end());
    CHECK(!c.tokens.refresh_token.empty());
    refresh_ok(h, c);
  }

  TEST_CASE("pkce required: airtable sends an S256 challenge and the matching verifier") {
    EmulatorHarness h("airtable");
    REQUIRE(h.shipped.pkce == providers::Pkce::required);
    auto c = connect_ok(h);
    CHECK(param(h.at("authorize")[0], "code_challenge_method") == "S256");
    CHECK(param(h.at("token")[0], "code_verifier") != "<absent>");
    refresh_ok(h, c);
  }

  TEST_CASE("pkce required: the airtable emulator refuses an authorization without a challenge") {
    EmulatorHarness h("airtable");
    h.resolved.pkce = providers::Pkce::forbidden; // a client that would not send PKCE
    CHECK_THROWS_AS(h.connect(), ProviderError);
    CHECK(h.at("authorize")[0].problem.find("requires PKCE") != std::string::npos);
    CHECK(h.at("token").empty());
  }

  TEST_CASE("pkce supported: github gets a challenge and a verifier") {
    EmulatorHarness h("github");
    REQUIRE(h.shipped.pkce == providers::Pkce::supported);
    connect_ok(h);
    CHECK(param(h.at("authorize")[0], "code_challenge") != "<absent>");
    CHECK(param(h.at("token")[0], "code_verifier") != "<absent>");
  }

  TEST_CASE("pkce forbidden: a synthetic entry sends no challenge and no verifier") {
    EmulatorHarness h("synthetic-no-pkce", synthetic());
    auto c = connect_ok(h);
    CHECK(param(h.at("authorize")[0], "code_challenge") == "<absent>");
    CHECK(param(h.at("token")[0], "code_verifier") == "<absent>");
    refresh_ok(h, c);
  }

  TEST_CASE("pkce forbidden: the emulator refuses a challenge it was not meant to get") {
    EmulatorHarness h("synthetic-no-pkce", synthetic());
    h.resolved.pkce = providers::Pkce::supported;
    CHECK_THROWS_AS(h.connect(), ProviderError);
    CHECK(h.at("authorize")[0].problem.find("does not accept PKCE") != std::string::npos);
  }

  TEST_CASE("authorize_params: google sends access_type and prompt") {
    EmulatorHarness h("google");
    REQUIRE(!h.shipped.authorize_params.empty());
    connect_ok(h);
    for (const auto& [key, value] : h.shipped.authorize_params)
      CHECK(param(h.at("authorize")[0], key) == value);
  }

  TEST_CASE("token_params, refresh_params, refresh_url: a synthetic entry") {
    EmulatorHarness h("synthetic-refresh-url", synthetic());
    auto c = connect_ok(h);
    for (const auto& [key, value] : h.shipped.token_params)
      CHECK(param(h.at("token")[0], key) == value);
    refresh_ok(h, c);
    REQUIRE(h.at("refresh").size() == 1);
    CHECK(h.at("token").size() == 1); // the refresh went to the refresh URL only
    for (const auto& [key, value] : h.shipped.refresh_params)
      CHECK(param(h.at("refresh")[0], key) == value);
  }

  TEST_CASE("refresh_url: the synthetic emulator refuses a refresh at the token URL") {
    EmulatorHarness h("synthetic-refresh-url", synthetic());
    auto c = connect_ok(h);
    h.resolved.refresh_url.clear();
    auto result = h.refresh(c);
    REQUIRE(std::holds_alternative<flow::OAuthError>(result));
    CHECK(std::get<flow::OAuthError>(result).error == "unsupported_grant_type");
  }

  TEST_CASE("template_defaults: microsoft fills {tenant} from its default") {
    EmulatorHarness h("microsoft");
    REQUIRE(h.shipped.template_defaults.count("tenant"));
    auto c = connect_ok(h);
    std::string tenant = h.shipped.template_defaults.at("tenant");
    CHECK(h.at("authorize")[0].path == "/" + tenant + "/authorize");
    CHECK(h.at("token")[0].path == "/" + tenant + "/token");
    refresh_ok(h, c);
  }

  TEST_CASE("template values: microsoft with --set tenant uses the given tenant") {
    HarnessOptions options;
    options.settings["tenant"] = "t-" + sys::random_urlsafe(8);
    EmulatorHarness h("microsoft", options);
    connect_ok(h);
    CHECK(h.at("token")[0].path == "/" + options.settings["tenant"] + "/token");
  }

  TEST_CASE("refresh_token_rotation true: notion stores the rotated token; the old one is dead") {
    EmulatorHarness h("notion");
    REQUIRE(h.shipped.refresh_token_rotation);
    auto c = connect_ok(h);
    auto next = refresh_ok(h, c);
    CHECK(next.tokens.refresh_token == h.emulator->grants().back().refresh_token);
    CHECK(next.tokens.refresh_token != c.tokens.refresh_token);
    auto replay = h.refresh(c);
    REQUIRE(std::holds_alternative<flow::OAuthError>(replay));
    CHECK(std::get<flow::OAuthError>(replay).error == "invalid_grant");
    refresh_ok(h, next);
  }

  TEST_CASE("refresh_token_rotation false: dropbox keeps its refresh token, which stays valid") {
    EmulatorHarness h("dropbox");
    REQUIRE(!h.shipped.refresh_token_rotation);
    auto c = connect_ok(h);
    auto next = refresh_ok(h, c);
    CHECK(h.emulator->grants().back().refresh_token.empty());
    CHECK(next.tokens.refresh_token == c.tokens.refresh_token);
    refresh_ok(h, next);
  }

  TEST_CASE("tokens_expire false: github's token has no expiry and never needs a refresh") {
    EmulatorHarness h("github");
    REQUIRE(!h.shipped.tokens_expire);
    auto c = connect_ok(h);
    CHECK(!c.tokens.expires_at);
    CHECK(c.tokens.refresh_token.empty());
    CHECK(!flow::needs_refresh(c, test::emulator_now() + 10 * 365 * 86400, std::nullopt));
    CHECK(h.at("token").size() == 1);
  }

  TEST_CASE("grant_types without refresh_token: intercom gets no refresh token") {
    EmulatorHarness h("intercom");
    REQUIRE(std::find(h.shipped.grant_types.begin(), h.shipped.grant_types.end(), "refresh_token")
            == h.shipped.grant_types.end());
    auto c = connect_ok(h);
    CHECK(c.tokens.refresh_token.empty());
    CHECK(!flow::needs_refresh(c, test::emulator_now(), std::nullopt));
  }

  TEST_CASE("revocation_url: dropbox's emulator revokes the token connect obtained") {
    EmulatorHarness h("dropbox");
    auto c = connect_ok(h);
    net::CurlHttpClient http;
    auto request = flow::build_token_request(h.resolved, h.app, h.resolved.revocation_url,
                                             {{"token", c.tokens.access_token}}, {});
    CHECK(http.send(request).status == 200);
    CHECK(h.problems() == "");
    CHECK(h.at("revoke").size() == 1);
    CHECK(!h.emulator->is_active(c.tokens.access_token));
  }

  TEST_CASE("userinfo_url: github's emulator accepts the access token connect obtained") {
    EmulatorHarness h("github");
    auto c = connect_ok(h);
    net::CurlHttpClient http;
    auto answer = http.send({"GET",
                             h.resolved.userinfo_url,
                             {{"Authorization", c.tokens.token_type + " " + c.tokens.access_token}},
                             ""});
    CHECK(answer.status == 200);
    CHECK(h.at("userinfo").size() == 1);
  }

  TEST_CASE("issuer: google's callback carries iss, which connect checks (A5)") {
    EmulatorHarness h("google");
    REQUIRE(!h.shipped.issuer.empty());
    connect_ok(h);
    // A different expected issuer makes the same emulator's callback a mix-up: refused.
    EmulatorHarness other("google");
    other.resolved.issuer = other.resolved.issuer + "/other";
    other.timeout_seconds = 2; // the flow keeps waiting for a valid callback until then
    CHECK_THROWS_AS(other.connect(), TimeoutError);
    CHECK(other.at("authorize").size() == 1);
    CHECK(other.at("token").empty());
  }

  TEST_CASE("response.format form: github answers form-encoded and the token is read (D1)") {
    EmulatorHarness h("github");
    REQUIRE(h.shipped.response.format == providers::BodyFormat::form);
    auto c = connect_ok(h);
    CHECK(!c.tokens.access_token.empty());
  }

  TEST_CASE("response.success_field: slack's ok:false inside HTTP 200 is an error (D2)") {
    EmulatorHarness h("slack");
    REQUIRE(!h.shipped.response.success_field.empty());
    auto c = connect_ok(h);
    h.emulator->refuse_next_token_request("invalid_refresh_token");
    auto result = h.refresh(c);
    REQUIRE(std::holds_alternative<flow::OAuthError>(result));
    CHECK(std::get<flow::OAuthError>(result).error == "invalid_refresh_token");
    CHECK(h.at("token").back().status == 200);
    refresh_ok(h, c);
  }

  TEST_CASE("response.token_path: a synthetic entry's token nested at data.token is read") {
    EmulatorHarness h("synthetic-nested", synthetic());
    auto c = connect_ok(h);
    CHECK(c.tokens.extra["data_account"] == h.emulator->grants()[0].kept["data"]["account"]);
    refresh_ok(h, c);
  }

  TEST_CASE(
      "response.expires_in_unit milliseconds: a synthetic entry's expiry is in seconds (D4)") {
    EmulatorHarness h("synthetic-nested", synthetic());
    auto c = connect_ok(h);
    auto issued = h.emulator->grants()[0].expires_at;
    REQUIRE(issued);
    REQUIRE(c.tokens.expires_at);
    // Computed from the send time (D5): never later than what the emulator set.
    CHECK(*c.tokens.expires_at <= *issued);
    CHECK(*c.tokens.expires_at >= *issued - 5);
  }

  TEST_CASE("response.default_expires_in: square's answer has no expires_in; the default applies") {
    EmulatorHarness h("square");
    REQUIRE(h.shipped.response.default_expires_in);
    auto c = connect_ok(h);
    REQUIRE(c.tokens.expires_at);
    int64_t lifetime = *h.shipped.response.default_expires_in;
    CHECK(*c.tokens.expires_at <= *h.emulator->grants()[0].expires_at);
    CHECK(*c.tokens.expires_at > test::emulator_now() + lifetime - 60);
    refresh_ok(h, c);
  }

  TEST_CASE("response.expires_at_field: strava's absolute expiry is stored as issued") {
    EmulatorHarness h("strava");
    REQUIRE(!h.shipped.response.expires_at_field.empty());
    auto c = connect_ok(h);
    CHECK(c.tokens.expires_at == h.emulator->grants()[0].expires_at);
    auto next = refresh_ok(h, c);
    CHECK(next.tokens.expires_at == h.emulator->grants().back().expires_at);
  }

  TEST_CASE("response.scope_field: bitbucket's granted scopes are read from its own field") {
    EmulatorHarness h("bitbucket");
    REQUIRE(h.shipped.response.scope_field != "scope");
    std::vector<std::string> scopes = {"account", "repository"};
    auto c = connect_ok(h, scopes);
    CHECK(c.tokens.scope == joined(h.emulator->grants()[0].scopes, " "));
    CHECK(c.tokens.warnings.empty());
    refresh_ok(h, c);
  }

  TEST_CASE("response.token_type: slack's non-HTTP token_type is used as Bearer") {
    EmulatorHarness h("slack");
    REQUIRE(!h.shipped.response.token_type.empty());
    auto c = connect_ok(h);
    CHECK(c.tokens.token_type == h.shipped.response.token_type);
  }

  TEST_CASE("response.keep: salesforce keeps instance_url, id and issued_at as issued") {
    EmulatorHarness h("salesforce");
    REQUIRE(!h.shipped.response.keep.empty());
    auto c = connect_ok(h);
    auto kept = h.emulator->grants()[0].kept;
    for (const auto& path : h.shipped.response.keep) {
      CAPTURE(path);
      CHECK(c.tokens.extra[path] == kept[path]);
    }
  }

  TEST_CASE("response.keep: slack keeps nested values such as team.id") {
    EmulatorHarness h("slack");
    auto c = connect_ok(h);
    auto kept = h.emulator->grants()[0].kept;
    REQUIRE(kept.contains("team"));
    CHECK(c.tokens.extra["team_id"] == kept["team"]["id"]);
    auto next = refresh_ok(h, c);
    CHECK(next.tokens.extra["team_id"] == h.emulator->grants().back().kept["team"]["id"]);
  }

  TEST_CASE("callback.keep: quickbooks keeps realmId from the callback query") {
    EmulatorHarness h("quickbooks");
    REQUIRE(!h.shipped.callback_keep.empty());
    auto c = connect_ok(h);
    for (const auto& [name, value] : h.emulator->callback_values()) {
      CAPTURE(name);
      CHECK(c.tokens.extra[name] == value);
    }
    refresh_ok(h, c);
  }

  TEST_CASE("callback.keep: strava keeps the granted scope its callback echoes") {
    EmulatorHarness h("strava");
    auto c = connect_ok(h);
    auto values = h.emulator->callback_values();
    REQUIRE(flow::find_param(values, "scope"));
    CHECK(c.tokens.extra["scope"] == *flow::find_param(values, "scope"));
  }

  TEST_CASE("device_authorization_url: a synthetic entry's device grant, polled until approved") {
    auto options = synthetic();
    options.auto_approve = false; // the code waits for the user's visit
    EmulatorHarness h("synthetic-device", options);
    net::CurlHttpClient http;
    auto scopes = flow::effective_scopes(h.resolved, h.app, {});
    auto parsed =
        flow::parse_device_authorization(http.send(flow::build_device_authorization_request(
            h.resolved, h.app, h.resolved.device_authorization_url, scopes)));
    REQUIRE(std::holds_alternative<flow::DeviceAuthorization>(parsed));
    auto authorization = std::get<flow::DeviceAuthorization>(parsed);
    int waits = 0;
    flow::DevicePorts ports{http, test::emulator_now,
                            [&](int64_t) {
                              // The user approves on another device during the first wait.
                              if (waits++ == 0)
                                http.send({"GET", authorization.verification_uri_complete, {}, ""});
                            },
                            [] { return false; }};
    flow::Credential c;
    c.tokens = flow::poll_device_token(h.resolved, h.app, authorization,
                                       flow::join_scopes(scopes, " "), ports);
    CHECK(h.problems() == "");
    REQUIRE(h.emulator->grants().size() == 1);
    CHECK(c.tokens.access_token == h.emulator->grants()[0].access_token);
    CHECK(c.tokens.refresh_token == h.emulator->grants()[0].refresh_token);
    CHECK(h.at("token").size() == 2); // authorization_pending, then the tokens
    CHECK(h.at("verify").size() == 1);
    CHECK(h.at("device")[0].client_auth == "body");
    refresh_ok(h, c);
  }

  TEST_CASE("a code is one-time at the emulator: replaying the one connect used is refused") {
    EmulatorHarness h("github");
    connect_ok(h);
    flow::Params grant = {{"grant_type", "authorization_code"},
                          {"code", param(h.at("token")[0], "code")},
                          {"redirect_uri", h.redirect_uri}};
    net::CurlHttpClient http;
    auto answer =
        http.send(flow::build_token_request(h.resolved, h.app, h.resolved.token_url, grant, {}));
    CHECK(answer.status == 400);
    CHECK(h.at("token").back().problem.find("invalid_grant") == 0);
    CHECK(h.emulator->grants().size() == 1);
  }

  TEST_CASE("post_authorization: mailchimp keeps dc from its metadata answer, sent with the "
            "OAuth scheme") {
    EmulatorHarness h("mailchimp");
    REQUIRE(h.shipped.post_authorization.size() == 1);
    const auto& request = h.shipped.post_authorization[0];
    REQUIRE(request.auth_scheme != "Bearer"); // the emulator checks the entry's own scheme
    auto c = connect_ok(h);
    REQUIRE(h.at("post-auth").size() == 1);
    auto record = h.at("post-auth")[0];
    CHECK(record.status == 200);
    CHECK(record.method == request.method);
    CHECK(h.stored == 1);
    auto issued = h.emulator->post_authorization_values();
    for (const auto& [name, path] : request.keep) {
      CAPTURE(name);
      REQUIRE(issued.contains(name));
      CHECK(c.tokens.extra[name] == issued[name]);
    }
    CHECK(c.tokens.extra.contains("dc"));
  }

  TEST_CASE("post_authorization: mailchimp's emulator refuses the token under another scheme") {
    EmulatorHarness h("mailchimp");
    auto c = connect_ok(h);
    net::CurlHttpClient http;
    auto bearer = flow::build_post_auth_request(h.resolved.post_authorization[0],
                                                c.tokens.access_token, {}, {});
    for (auto& [name, value] : bearer.headers)
      if (name == "Authorization")
        value = "Bearer " + c.tokens.access_token;
    CHECK(http.send(bearer).status == 401);
    CHECK(h.at("post-auth").back().problem.find("scheme") != std::string::npos);
  }

  TEST_CASE("post_authorization: atlassian keeps cloudId from the first accessible resource") {
    EmulatorHarness h("atlassian");
    auto c = connect_ok(h);
    auto issued = h.emulator->post_authorization_values();
    REQUIRE(issued.contains("cloudId"));
    CHECK(c.tokens.extra["cloudId"] == issued["cloudId"]);
    CHECK(c.tokens.extra["site_url"] == issued["site_url"]);
    refresh_ok(h, c);
  }

  TEST_CASE("post_authorization chained: harvest's accounts array gives account_id (first "
            "element), with its declared User-Agent header") {
    EmulatorHarness h("harvest");
    REQUIRE(!h.shipped.post_authorization[0].headers.empty());
    auto c = connect_ok(h);
    REQUIRE(h.at("post-auth").size() == 1);
    CHECK(h.at("post-auth")[0].status == 200);
    auto issued = h.emulator->post_authorization_values();
    CHECK(c.tokens.extra["account_id"] == issued["account_id"]);
    CHECK(c.tokens.extra["account_product"] == issued["account_product"]);
  }

  TEST_CASE("post_authorization chained: a synthetic entry's second URL carries the value the "
            "first answer gave") {
    EmulatorHarness h("synthetic-post-auth-chain", synthetic());
    auto c = connect_ok(h);
    auto records = h.at("post-auth");
    REQUIRE(records.size() == 2);
    CHECK(records[1].method == "POST");
    auto issued = h.emulator->post_authorization_values();
    REQUIRE(issued.contains("site"));
    // The emulator refuses a second request whose path lacks the site it gave; check the
    // path here too.
    CHECK(records[1].path.find("/" + issued["site"].get<std::string>() + "/post-auth/1")
          != std::string::npos);
    CHECK(c.tokens.extra["site"] == issued["site"]);
    CHECK(c.tokens.extra["owner"] == issued["owner"]);
  }

  TEST_CASE("post_authorization required fails: mailchimp's metadata answers 500, nothing "
            "stored") {
    EmulatorHarness h("mailchimp");
    REQUIRE(h.shipped.post_authorization[0].required);
    h.emulator->fail_next_post_authorization(500);
    CHECK_THROWS_AS(h.connect(), ProviderError);
    CHECK(h.stored == 0);
    REQUIRE(h.at("post-auth").size() == 1);
    CHECK(h.at("post-auth")[0].status == 500);
    CHECK(h.emulator->grants().size() == 1); // the exchange itself succeeded
  }

  TEST_CASE("post_authorization not required fails: docusign warns and keeps the credential") {
    HarnessOptions options;
    options.environment = "demo";
    EmulatorHarness h("docusign", options);
    REQUIRE(!h.shipped.post_authorization[0].required);
    h.emulator->fail_next_post_authorization(500);
    auto c = h.connect();
    CHECK(h.stored == 1);
    CHECK(!c.tokens.extra.contains("account_id"));
  }

  TEST_CASE("environments: salesforce sandbox's token request goes to the environment's token "
            "URL, and its issuer is checked") {
    HarnessOptions options;
    options.environment = "sandbox";
    EmulatorHarness h("salesforce", options);
    const auto& environment = h.shipped.environments.at("sandbox");
    REQUIRE(!environment.token_url.empty());
    REQUIRE(environment.issuer != h.shipped.issuer);
    auto c = connect_ok(h);
    auto path_of = [](const std::string& url) { return url.substr(url.find('/', 8)); };
    CHECK(h.at("token")[0].path == path_of(h.resolved.token_url));
    CHECK(h.at("token")[0].path != path_of(h.entry.token_url));
    CHECK(h.at("authorize")[0].path == path_of(h.resolved.authorization_url));
    CHECK(h.at("token")[0].path.find("/env/sandbox/") == 0);
    CHECK(h.resolved.issuer == environment.issuer);
    refresh_ok(h, c);
  }

  TEST_CASE("environments: docusign demo fills {account_host} from the environment, also in the "
            "post-authorization URL") {
    HarnessOptions options;
    options.environment = "demo";
    EmulatorHarness h("docusign", options);
    auto host = h.shipped.environments.at("demo").template_defaults.at("account_host");
    auto c = connect_ok(h);
    REQUIRE(h.at("post-auth").size() == 1);
    CHECK(h.at("token")[0].path.find("/" + host + "/") == 0);
    CHECK(h.at("post-auth")[0].path.find("/" + host + "/") == 0);
    auto issued = h.emulator->post_authorization_values();
    CHECK(c.tokens.extra["account_id"] == issued["account_id"]);
    CHECK(c.tokens.extra["base_uri"] == issued["base_uri"]);
  }

} // TEST_SUITE
