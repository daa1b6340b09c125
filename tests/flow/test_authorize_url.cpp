// SPDX-License-Identifier: MIT
#include "error.hpp"
#include "flow/authorize_url.hpp"
#include "flow/pkce.hpp"
#include "flow/url.hpp"
#include "support/catalog_fixture.hpp"

#include <doctest/doctest.h>

using namespace oauthlink;
using namespace oauthlink::flow;

namespace {

const std::string k_verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

Params query_of(const std::string& url) {
  auto parsed = parse_url(url);
  REQUIRE(parsed);
  auto params = parse_form(parsed->query);
  REQUIRE(params);
  return *params;
}

App app_with(const std::string& client_id = "cid") {
  App app;
  app.client_id = client_id;
  app.client_secret = "secret";
  return app;
}

} // namespace

TEST_CASE("the authorize URL carries code flow, state, S256 challenge and scopes") {
  auto p = test::provider_from("");
  std::string url = build_authorize_url(
      p, app_with(), {"http://127.0.0.1:5000/callback/p", "st4te", k_verifier, {"read", "write"}});
  auto q = query_of(url);
  CHECK(find_param(q, "response_type") == "code");
  CHECK(find_param(q, "client_id") == "cid");
  CHECK(find_param(q, "redirect_uri") == "http://127.0.0.1:5000/callback/p");
  CHECK(find_param(q, "state") == "st4te");
  CHECK(find_param(q, "scope") == "read write");
  CHECK(find_param(q, "code_challenge") == pkce_challenge_s256(k_verifier));
  CHECK(find_param(q, "code_challenge_method") == "S256");
  CHECK(url.find("code_challenge_method=plain") == std::string::npos);
}

TEST_CASE("scopes are joined with the provider's separator") {
  auto comma = test::provider_from("scope_separator = \",\"\n");
  auto q = query_of(build_authorize_url(
      comma, app_with(), {"http://127.0.0.1/cb", "s", k_verifier, {"chat:write", "users:read"}}));
  CHECK(find_param(q, "scope") == "chat:write,users:read");
  auto plus = test::provider_from("scope_separator = \"+\"\n");
  q = query_of(
      build_authorize_url(plus, app_with(), {"http://127.0.0.1/cb", "s", k_verifier, {"a", "b"}}));
  CHECK(find_param(q, "scope") == "a b"); // '+' in a query is a form-encoded space
}

TEST_CASE("extra authorize parameters and a renamed client_id parameter are sent") {
  auto p = test::provider_from(
      "client_id_param = \"client_key\"\n"
      "authorize_params = { access_type = \"offline\", prompt = \"consent\" }\n");
  auto q = query_of(
      build_authorize_url(p, app_with("ck"), {"http://127.0.0.1/cb", "s", k_verifier, {}}));
  CHECK(find_param(q, "client_key") == "ck");
  CHECK_FALSE(find_param(q, "client_id"));
  CHECK(find_param(q, "access_type") == "offline");
  CHECK(find_param(q, "prompt") == "consent");
  CHECK_FALSE(find_param(q, "scope"));
}

TEST_CASE("a provider that forbids PKCE gets no challenge") {
  auto p = test::provider_from("pkce = \"forbidden\"\n");
  auto q = query_of(build_authorize_url(p, app_with(), {"http://127.0.0.1/cb", "s", "", {}}));
  CHECK_FALSE(find_param(q, "code_challenge"));
  CHECK_FALSE(find_param(q, "code_challenge_method"));
}

TEST_CASE("a query already on the authorization endpoint is kept (A9)") {
  auto p = test::provider_from("");
  p.authorization_url = "https://as/auth?tenant=x";
  std::string url =
      build_authorize_url(p, app_with(), {"http://127.0.0.1/cb", "s", k_verifier, {}});
  CHECK(url.rfind("https://as/auth?tenant=x&response_type=code&", 0) == 0);
}

TEST_CASE("a catalog entry cannot set response_type=token (A8)") {
  CHECK_THROWS_AS(test::provider_from("authorize_params = { response_type = \"token\" }\n"),
                  CatalogError);
}

TEST_CASE("templates are filled from app settings, --set values and defaults") {
  std::string text = "[t]\nname = \"T\"\ndocs = \"https://d.example\"\n"
                     "authorization_url = \"https://login.example/{tenant}/authorize\"\n"
                     "token_url = \"https://{subdomain}.example.com/token\"\n"
                     "template_defaults = { tenant = \"common\" }\n";
  auto catalog = providers::Catalog::parse(text, "t.toml");
  App app = app_with();
  app.settings["subdomain"] = "acme";
  auto p = resolve_provider(*catalog.find("t"), app, {}, nullptr);
  CHECK(p.authorization_url == "https://login.example/common/authorize");
  CHECK(p.token_url == "https://acme.example.com/token");
  p = resolve_provider(*catalog.find("t"), app, {{"tenant", "contoso"}}, nullptr);
  CHECK(p.authorization_url == "https://login.example/contoso/authorize");

  App missing = app_with();
  CHECK_THROWS_WITH_AS(resolve_provider(*catalog.find("t"), missing, {}, nullptr),
                       "this provider needs --set subdomain=VALUE", UsageError);
  App evil = app_with();
  evil.settings["subdomain"] = "evil.com/x?";
  CHECK_THROWS_AS(resolve_provider(*catalog.find("t"), evil, {}, nullptr), UsageError);
}

TEST_CASE("overrides must be https, or plain http to loopback only (A13)") {
  auto p = test::provider_from("");
  App app = app_with();
  app.token_url = "http://as.example/token";
  CHECK_THROWS_AS(resolve_provider(p, app, {}, nullptr), Error);
  app.token_url = "http://127.0.0.1:9000/token";
  CHECK(resolve_provider(p, app, {}, nullptr).token_url == "http://127.0.0.1:9000/token");
}

TEST_CASE("discovery metadata supplies the endpoints and the issuer") {
  providers::Catalog catalog = providers::Catalog::parse(
      "[oidc]\nname = \"OIDC\"\ndocs = \"https://openid.net/x\"\n", "o.toml");
  providers::Metadata md;
  md.issuer = "https://as.example";
  md.authorization_endpoint = "https://as.example/auth";
  md.token_endpoint = "https://as.example/token";
  App app = app_with();
  auto p = resolve_provider(*catalog.find("oidc"), app, {}, &md);
  CHECK(p.authorization_url == md.authorization_endpoint);
  CHECK(p.issuer == "https://as.example");
  CHECK(p.auth_method == providers::AuthMethod::client_secret_basic);
  app.client_secret.clear();
  CHECK(resolve_provider(*catalog.find("oidc"), app, {}, &md).auth_method
        == providers::AuthMethod::none);
}

TEST_CASE("offline scopes are added for providers that refresh") {
  auto p =
      test::provider_from("grant_types = [\"authorization_code\", \"refresh_token\"]\n"
                          "default_scopes = [\"openid\"]\noffline_scopes = [\"offline_access\"]\n");
  CHECK(effective_scopes(p, app_with(), {})
        == std::vector<std::string>{"openid", "offline_access"});
  CHECK(effective_scopes(p, app_with(), {"email"})
        == std::vector<std::string>{"email", "offline_access"});
}
