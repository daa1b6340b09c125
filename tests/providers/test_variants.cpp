// SPDX-License-Identifier: MIT
// Environments and post-authorization requests in the catalog: loading, validation
// messages, and applying an environment.
#include "error.hpp"
#include "providers/catalog.hpp"
#include "providers/variants.hpp"
#include "support/catalog_fixture.hpp"

#include <doctest/doctest.h>

using namespace oauthlink;
using namespace oauthlink::providers;

namespace {

using test::catalog_error_of;

// Lines 1-5; whatever follows starts on line 6.
const std::string k_head = "[x]\nname = \"X\"\ndocs = \"https://d.example\"\n"
                           "authorization_url = \"https://as.example/a\"\n"
                           "token_url = \"https://as.example/t\"\n";

Provider parse_x(const std::string& body) {
  return *Catalog::parse(k_head + body, "cat.toml").find("x");
}

} // namespace

TEST_CASE("an environment is read with its endpoints, defaults and line") {
  Provider p = parse_x("api_base_url = \"https://api.as.example\"\n"
                       "[x.environments.sandbox]\n"
                       "authorization_url = \"https://sandbox.as.example/a\"\n"
                       "token_url = \"https://sandbox.as.example/t\"\n"
                       "api_base_url = \"https://api.sandbox.as.example\"\n"
                       "template_defaults = { region = \"eu\" }\n");
  REQUIRE(p.environments.count("sandbox"));
  const Environment& e = p.environments.at("sandbox");
  CHECK(e.source_line == 7);
  CHECK(e.authorization_url == "https://sandbox.as.example/a");
  CHECK(e.template_defaults.at("region") == "eu");
  CHECK(e.refresh_url.empty());
}

TEST_CASE("applying an environment replaces the endpoints it sets and keeps the others") {
  Provider p = parse_x("revocation_url = \"https://as.example/revoke\"\n"
                       "api_base_url = \"https://api.as.example\"\n"
                       "template_defaults = { region = \"us\", host = \"h\" }\n"
                       "[x.environments.sandbox]\n"
                       "token_url = \"https://sandbox.as.example/t\"\n"
                       "api_base_url = \"https://api.sandbox.as.example\"\n"
                       "template_defaults = { region = \"eu\" }\n"
                       "authorize_params = { mode = \"test\" }\n");
  Provider s = apply_environment(p, "sandbox");
  CHECK(s.token_url == "https://sandbox.as.example/t");
  CHECK(s.authorization_url == "https://as.example/a");
  CHECK(s.revocation_url == "https://as.example/revoke");
  CHECK(s.api_base_url == "https://api.sandbox.as.example");
  CHECK(s.template_defaults.at("region") == "eu");
  CHECK(s.template_defaults.at("host") == "h");
  CHECK(s.authorize_params.at("mode") == "test");
  CHECK(apply_environment(p, "").token_url == "https://as.example/t");
}

TEST_CASE("an unknown environment is a usage error naming the known ones") {
  Provider p = parse_x("[x.environments.sandbox]\ntoken_url = \"https://s.example/t\"\n"
                       "[x.environments.demo]\ntoken_url = \"https://d.example/t\"\n");
  CHECK_THROWS_WITH_AS(apply_environment(p, "staging"),
                       "provider 'x' has no environment 'staging' (known: demo, sandbox)",
                       UsageError);
  CHECK_THROWS_WITH_AS(check_environment(parse_x(""), "sandbox"),
                       "provider 'x' has no environment 'sandbox' (it has none)", UsageError);
}

TEST_CASE("environment errors name the file, line, provider and field") {
  CHECK(catalog_error_of(k_head + "[x.environments.sandbox]\ncolour = \"blue\"\n")
        == "cat.toml:7: provider 'x': environments.sandbox.colour: unknown field");
  CHECK(catalog_error_of(k_head + "[x.environments.sandbox]\ntoken_url = \"http://s.example/t\"\n")
        == "cat.toml:7: provider 'x': environments.sandbox.token_url: must be an https URL "
           "(plain http only to loopback)");
  CHECK(catalog_error_of(k_head + "[x.environments.Sandbox]\ntoken_url = \"https://s.example/t\"\n")
        == "cat.toml:6: provider 'x': environments.Sandbox: environment name must match "
           "[a-z0-9-]{1,32}");
  CHECK(catalog_error_of(k_head + "[x.environments.sandbox]\n")
        == "cat.toml:6: provider 'x': environments.sandbox: sets nothing");
  CHECK(
      catalog_error_of(k_head + "[x.environments.sandbox]\nauthorize_params = { state = \"s\" }\n")
      == "cat.toml:7: provider 'x': environments.sandbox.authorize_params.state: is set by "
         "oauthlink and cannot be overridden");
  CHECK(catalog_error_of(k_head + "environments = \"sandbox\"\n")
        == "cat.toml:6: provider 'x': environments: must be a table of environments");
}

TEST_CASE("a post-authorization request is read with its method, scheme and keep paths") {
  Provider p = parse_x("[[x.post_authorization]]\n"
                       "url = \"https://api.as.example/me\"\n"
                       "auth_scheme = \"OAuth\"\n"
                       "headers = { User-Agent = \"oauthlink\" }\n"
                       "keep = { cloudId = \"0.id\", site = \"0.url\" }\n"
                       "required = true\n");
  REQUIRE(p.post_authorization.size() == 1);
  const PostAuthRequest& q = p.post_authorization[0];
  CHECK(q.method == "GET");
  CHECK(q.auth_scheme == "OAuth");
  CHECK(q.headers.at("User-Agent") == "oauthlink");
  CHECK(q.required);
  CHECK(
      q.keep
      == std::vector<std::pair<std::string, std::string>>{{"cloudId", "0.id"}, {"site", "0.url"}});
  CHECK(kept_names(p) == std::vector<std::string>{"cloudId", "site"});
}

TEST_CASE("post-authorization errors name the file, line, provider and field") {
  const std::string open = "[[x.post_authorization]]\n"; // line 6
  CHECK(catalog_error_of(k_head + open + "keep = { id = \"id\" }\n")
        == "cat.toml:6: provider 'x': post_authorization[0].url: missing string");
  CHECK(catalog_error_of(k_head + open + "url = \"https://a.example/me\"\n")
        == "cat.toml:6: provider 'x': post_authorization[0].keep: must name at least one value "
           "to keep (name = \"json.path\")");
  CHECK(catalog_error_of(k_head + open + "url = \"https://a.example/me\"\nmethod = \"DELETE\"\n"
                         + "keep = { id = \"id\" }\n")
        == "cat.toml:8: provider 'x': post_authorization[0].method: must be \"GET\" or \"POST\"");
  CHECK(
      catalog_error_of(k_head + open + "url = \"https://a.example/me\"\nkeep = { id = \"a..b\" }\n")
      == "cat.toml:8: provider 'x': post_authorization[0].keep.id: 'a..b' is not a dot path "
         "such as \"0.id\" or \"accounts.base_uri\"");
  CHECK(catalog_error_of(k_head + open
                         + "url = \"https://a.example/me\"\nkeep = { \"a-b\" = \"id\" }\n")
        == "cat.toml:8: provider 'x': post_authorization[0].keep.a-b: name must match "
           "[A-Za-z0-9_]+ (it may fill {a-b})");
  CHECK(catalog_error_of(k_head + open + "url = \"https://a.example/me\"\nkeep = { id = \"id\" }\n"
                         + "headers = { Authorization = \"x\" }\n")
        == "cat.toml:9: provider 'x': post_authorization[0].headers.Authorization: is set by "
           "oauthlink (use auth_scheme)");
  CHECK(catalog_error_of(k_head + open + "url = \"http://a.example/me\"\nkeep = { id = \"id\" }\n")
        == "cat.toml:7: provider 'x': post_authorization[0].url: must be an https URL (plain "
           "http only to loopback)");
  CHECK(catalog_error_of(k_head + "post_authorization = \"x\"\n")
        == "cat.toml:6: provider 'x': post_authorization: must be an array of tables "
           "([[...post_authorization]])");
}

TEST_CASE("every api_base_url placeholder must be provided by something") {
  // A kept value from the token response, the callback, or a post-authorization request.
  CHECK(catalog_error_of(k_head + "api_base_url = \"{instance_url}\"\n"
                         + "[x.response]\nkeep = [\"instance_url\"]\n")
        == "");
  CHECK(catalog_error_of(k_head + "api_base_url = \"https://{team_id}.api.example\"\n"
                         + "[x.response]\nkeep = [\"team.id\"]\n")
        == "");
  CHECK(catalog_error_of(k_head + "api_base_url = \"https://api.example/{realmId}\"\n"
                         + "[x.callback]\nkeep = [\"realmId\"]\n")
        == "");
  CHECK(catalog_error_of(k_head + "api_base_url = \"https://{dc}.api.example\"\n"
                         + "[[x.post_authorization]]\nurl = \"https://a.example/m\"\n"
                         + "keep = { dc = \"dc\" }\n")
        == "");
  // A template default, an environment's default, or a --set value an endpoint needs.
  CHECK(catalog_error_of(k_head + "api_base_url = \"https://{region}.api.example\"\n"
                         + "template_defaults = { region = \"us\" }\n")
        == "");
  CHECK(catalog_error_of(k_head + "api_base_url = \"https://{region}.api.example\"\n"
                         + "[x.environments.eu]\ntemplate_defaults = { region = \"eu\" }\n")
        == "");
  CHECK(catalog_error_of("[x]\nname = \"X\"\ndocs = \"https://d.example\"\n"
                         "authorization_url = \"https://{shop}.example/a\"\n"
                         "token_url = \"https://{shop}.example/t\"\n"
                         "api_base_url = \"https://{shop}.example/api\"\n")
        == "");
  // Nothing provides it.
  CHECK(catalog_error_of(k_head + "api_base_url = \"https://{dc}.api.example\"\n")
        == "cat.toml:6: provider 'x': api_base_url: placeholder {dc} is not a template "
           "default, an endpoint's --set value, nor a kept value (response.keep, "
           "callback.keep, post_authorization keep)");
  CHECK(catalog_error_of(k_head + "[x.environments.s]\napi_base_url = \"https://{dc}.example\"\n")
        == "cat.toml:7: provider 'x': environments.s.api_base_url: placeholder {dc} is not a "
           "template default, an endpoint's --set value, nor a kept value (response.keep, "
           "callback.keep, post_authorization keep)");
  CHECK(catalog_error_of(k_head + "[[x.post_authorization]]\nurl = \"https://{nope}.example/m\"\n"
                         + "keep = { id = \"id\" }\n")
        == "cat.toml:7: provider 'x': post_authorization[0].url: placeholder {nope} is not a "
           "template default, an endpoint's --set value, nor a kept value (response.keep, "
           "callback.keep, post_authorization keep)");
  CHECK(catalog_error_of(k_head + "api_base_url = \"https://{a b}.example\"\n")
        == "cat.toml:6: provider 'x': api_base_url: bad placeholder name '{a b}'");
}

TEST_CASE("setting names leave out values the provider's answers fill") {
  Provider p = parse_x("api_base_url = \"https://{dc}.api.example/{ver}\"\n"
                       "template_defaults = { ver = \"3.0\" }\n"
                       "[[x.post_authorization]]\nurl = \"https://a.example/m\"\n"
                       "keep = { dc = \"dc\" }\n");
  CHECK(setting_names(p) == std::vector<std::string>{"ver"});
}

TEST_CASE("the shipped catalog has at least 60 providers and the issue's variants") {
  Catalog catalog = Catalog::parse(test::shipped_catalog_text(), "providers.toml");
  CHECK(catalog.all().size() >= 60);
  for (const char* slug : {"figma", "harvest", "wrike", "pagerduty", "netlify", "vercel",
                           "bigcommerce", "smartsheet", "ebay"}) {
    CAPTURE(slug);
    CHECK(catalog.find(slug));
  }
  for (auto [slug, environment] : {std::pair{"salesforce", "sandbox"},
                                   {"square", "sandbox"},
                                   {"paypal", "sandbox"},
                                   {"docusign", "demo"},
                                   {"quickbooks", "sandbox"},
                                   {"ebay", "sandbox"},
                                   {"stripe", "express"}}) {
    CAPTURE(slug);
    REQUIRE(catalog.find(slug));
    CHECK(catalog.find(slug)->environments.count(environment));
  }
  CHECK(apply_environment(*catalog.find("salesforce"), "sandbox")
            .token_url.find("test.salesforce.com")
        != std::string::npos);
  for (const char* slug : {"atlassian", "mailchimp", "docusign", "harvest"}) {
    CAPTURE(slug);
    CHECK(!catalog.find(slug)->post_authorization.empty());
  }
}
