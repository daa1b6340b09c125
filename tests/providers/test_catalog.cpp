// SPDX-License-Identifier: MIT
#include "error.hpp"
#include "providers/catalog.hpp"
#include "providers/discovery.hpp"
#include "support/catalog_fixture.hpp"

#include <doctest/doctest.h>

using namespace oauthlink;
using namespace oauthlink::providers;

namespace {

std::string shipped_catalog() {
  return test::shipped_catalog_text();
}

std::string error_of(const std::string& text) {
  return test::catalog_error_of(text);
}

const std::string k_head = "[x]\nname = \"X\"\ndocs = \"https://d.example\"\n"
                           "authorization_url = \"https://as.example/a\"\n"
                           "token_url = \"https://as.example/t\"\n";

} // namespace

TEST_CASE("the shipped catalog loads and holds the first-cut providers") {
  Catalog catalog = Catalog::parse(shipped_catalog(), "providers.toml");
  for (const char* slug : {"oidc", "github", "google", "slack", "salesforce", "stripe", "microsoft",
                           "notion", "zoom", "dropbox", "hubspot"}) {
    CAPTURE(slug);
    const Provider* p = catalog.find(slug);
    REQUIRE(p);
    CHECK(p->docs.rfind("https://", 0) == 0);
    if (!p->discovery) {
      CHECK(p->authorization_url.rfind("https://", 0) == 0);
      CHECK(p->token_url.rfind("https://", 0) == 0);
    }
  }
  CHECK(catalog.find("oidc")->discovery);
  CHECK(catalog.find("slack")->scope_separator == ",");
  CHECK(catalog.find("notion")->token_request_format == BodyFormat::json);
}

TEST_CASE("catalog errors name the file, line, provider and field") {
  CHECK(error_of(k_head + "auth_method = \"magic\"\n")
        == "cat.toml:6: provider 'x': auth_method: 'magic' is not one of client_secret_post, "
           "client_secret_basic, both, none");
  CHECK(error_of(k_head + "colour = \"blue\"\n")
        == "cat.toml:6: provider 'x': colour: unknown field");
  CHECK(error_of("[x]\nname = \"X\"\ndocs = \"https://d\"\nauthorization_url = \"https://a\"\n")
        == "cat.toml:1: provider 'x': token_url: missing string");
  CHECK(error_of(k_head + "[x.response]\nexpires_in_unit = \"hours\"\n").find("cat.toml:7:") == 0);
  CHECK(error_of("[Bad_Slug]\nname = \"X\"\n").find("slug must match") != std::string::npos);
  CHECK(error_of("[x\nname=1").find("cat.toml:1:") == 0);
  CHECK(error_of(k_head + "scope_separator = \";\"\n").find("scope_separator")
        != std::string::npos);
}

TEST_CASE("catalog endpoints must be https, or http to loopback (A13)") {
  std::string text = "[x]\nname = \"X\"\ndocs = \"https://d.example\"\n"
                     "authorization_url = \"https://as.example/a\"\n"
                     "token_url = \"http://as.example/t\"\n";
  CHECK(error_of(text).find("token_url: must be an https URL") != std::string::npos);
  auto with_token_url = [](const std::string& url) {
    return "[x]\nname = \"X\"\ndocs = \"https://d.example\"\n"
           "authorization_url = \"https://as.example/a\"\ntoken_url = \""
           + url + "\"\n";
  };
  for (const char* bad :
       {"http://127.0.0.1.evil.example/t", "http://localhost.evil.example/t",
        "http://127.0.0.1:80x/t", "http://[::1].evil/t", "http://127.0.0.1@evil/t"}) {
    CAPTURE(bad);
    CHECK(error_of(with_token_url(bad)).find("must be an https URL") != std::string::npos);
  }
  for (const char* good :
       {"http://127.0.0.1:9000/t", "http://localhost/t", "http://[::1]:8/t", "http://127.0.0.1"}) {
    CAPTURE(good);
    CHECK(error_of(with_token_url(good)).empty());
  }
}

TEST_CASE("a user catalog overrides and adds providers") {
  std::string user =
      "[x]\nname = \"Mine\"\ndocs = \"https://d\"\nauthorization_url = \"https://a\"\n"
      "token_url = \"https://t\"\n[y]\nname = \"Y\"\ndocs = \"https://d\"\n"
      "authorization_url = \"https://a\"\ntoken_url = \"https://t\"\n";
  Catalog base = Catalog::parse_layers({{k_head, "a.toml"}, {user, "b.toml"}});
  CHECK(base.find("x")->name == "Mine");
  CHECK(base.find("y"));
}

TEST_CASE("RFC 8414 metadata URLs insert the well-known suffix before the path (A10)") {
  auto urls = metadata_urls("https://as/t1");
  REQUIRE(urls.size() >= 2);
  CHECK(urls[0] == "https://as/.well-known/oauth-authorization-server/t1");
  CHECK(urls[1] == "https://as/t1/.well-known/openid-configuration");
  CHECK(metadata_urls("https://as")[0] == "https://as/.well-known/oauth-authorization-server");
}

TEST_CASE("metadata whose issuer differs from the configured one is refused (A10)") {
  std::string doc = R"({"issuer":"https://other","authorization_endpoint":"https://other/a",)"
                    R"("token_endpoint":"https://other/t"})";
  CHECK_THROWS_AS(parse_metadata(doc, "https://as"), CatalogError);
  auto md = parse_metadata(R"({"issuer":"https://as","authorization_endpoint":"https://as/a",)"
                           R"("token_endpoint":"https://as/t",)"
                           R"("authorization_response_iss_parameter_supported":true})",
                           "https://as");
  CHECK(md.iss_parameter_supported);
  CHECK_THROWS_AS(parse_metadata("not json", "https://as"), CatalogError);
}
