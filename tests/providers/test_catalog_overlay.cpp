// SPDX-License-Identifier: MIT
// The user catalog overlay: per-field overrides of shipped entries, merged as TOML with
// each key's file and line kept for messages.
#include "error.hpp"
#include "providers/catalog.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace oauthlink;
using providers::Catalog;

namespace {

const char* k_shipped = R"([x]
name = "X"
docs = "https://x.example/docs"
authorization_url = "https://x.example/authorize"
token_url = "https://x.example/token"
auth_method = "client_secret_basic"
scope_separator = ","
authorize_params = { prompt = "consent", access_type = "offline" }
response = { success_field = "ok", keep = ["team.id"] }
)";

std::string error_of(const std::vector<Catalog::Layer>& layers) {
  try {
    Catalog::parse_layers(layers);
  } catch (const CatalogError& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("an overlay entry for a shipped slug overrides only the fields it sets") {
  Catalog c =
      Catalog::parse_layers({{k_shipped, "shipped.toml"},
                             {"[x]\ntoken_url = \"http://127.0.0.1:9/token\"\n", "user.toml"}});
  const auto* x = c.find("x");
  REQUIRE(x);
  CHECK(x->token_url == "http://127.0.0.1:9/token");
  CHECK(x->authorization_url == "https://x.example/authorize");
  CHECK(x->auth_method == providers::AuthMethod::client_secret_basic);
  CHECK(x->scope_separator == ",");
  CHECK(x->response.success_field == "ok");
}

TEST_CASE("an overlay merges response and callback field by field; a map field is replaced") {
  Catalog c = Catalog::parse_layers(
      {{k_shipped, "shipped.toml"},
       {"[x]\nauthorize_params = { prompt = \"none\" }\n[x.response]\ntoken_path = \"data\"\n",
        "user.toml"}});
  const auto* x = c.find("x");
  REQUIRE(x);
  CHECK(x->response.token_path == "data");
  CHECK(x->response.success_field == "ok");
  CHECK(x->response.keep == std::vector<std::string>{"team.id"});
  CHECK(x->authorize_params == providers::StringMap{{"prompt", "none"}});
}

TEST_CASE("an overlay adds new providers and later layers win") {
  std::string y = "[y]\nname = \"Y\"\ndocs = \"https://y/d\"\nauthorization_url = "
                  "\"https://y/a\"\ntoken_url = \"https://y/t\"\n";
  Catalog c = Catalog::parse_layers(
      {{k_shipped, "shipped.toml"}, {y, "user.toml"}, {"[y]\nname = \"Y2\"\n", "third.toml"}});
  REQUIRE(c.find("y"));
  CHECK(c.find("y")->name == "Y2");
  CHECK(c.find("x"));
}

TEST_CASE("a bad overlay key is reported at its own file and line") {
  auto message = error_of(
      {{k_shipped, "shipped.toml"}, {"# comment\n\n[x]\nscope_separator = \";\"\n", "user.toml"}});
  CHECK(message.find("user.toml:4: provider 'x': scope_separator") == 0);
  message = error_of({{k_shipped, "shipped.toml"}, {"[x]\nbogus = 1\n", "user.toml"}});
  CHECK(message.find("user.toml:2: provider 'x': bogus: unknown field") == 0);
  message = error_of({{k_shipped, "shipped.toml"},
                      {"[x]\n[x.response]\nexpires_in_unit = \"hours\"\n", "user.toml"}});
  CHECK(message.find("user.toml:3: provider 'x': response.expires_in_unit") == 0);
}

TEST_CASE("a shipped key keeps its own file and line after an overlay") {
  std::string broken = std::string(k_shipped) + "pkce = \"sometimes\"\n";
  auto message = error_of({{broken, "shipped.toml"}, {"[x]\nname = \"Mine\"\n", "user.toml"}});
  CHECK(message.find("shipped.toml:10: provider 'x': pkce") == 0);
}

TEST_CASE("an overlay with a bad slug or a non-table entry is refused with its file") {
  CHECK(error_of({{k_shipped, "shipped.toml"}, {"[Bad_Slug]\nname = \"b\"\n", "user.toml"}})
            .find("user.toml:1: provider 'Bad_Slug'")
        == 0);
  CHECK(error_of({{k_shipped, "shipped.toml"}, {"x = 3\n", "user.toml"}})
            .find("user.toml:1: provider 'x': must be a table")
        == 0);
  CHECK(error_of({{k_shipped, "shipped.toml"}, {"[x\n", "user.toml"}}).find("user.toml:1") == 0);
}
