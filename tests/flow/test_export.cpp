// SPDX-License-Identifier: MIT
#include "flow/export.hpp"

#include <doctest/doctest.h>

using namespace oauthlink::flow;

namespace {
Credential sample() {
  Credential c;
  c.provider = "google-ads";
  c.tokens.access_token = "a'b$(id)";
  c.tokens.refresh_token = "r\"1\n$x\\";
  c.tokens.scope = "a b";
  c.tokens.extra["instance_url"] = "https://na1.example";
  return c;
}
} // namespace

TEST_CASE("shell export quotes any value safely (E8)") {
  CHECK(shell_quote("a'b$(id)") == "'a'\\''b$(id)'");
  auto vars = credential_env(sample(), "");
  CHECK(format_shell({{"TOKEN", "a'b$(id)"}}) == "export TOKEN='a'\\''b$(id)'\n");
  CHECK(vars.at(0).first == "ACCESS_TOKEN");
}

TEST_CASE("variable names come from the provider, or --prefix") {
  auto vars = credential_env(sample(), default_env_prefix("google-ads"));
  CHECK(vars.at(0) == std::pair<std::string, std::string>{"GOOGLE_ADS_ACCESS_TOKEN", "a'b$(id)"});
  bool has_instance = false;
  for (const auto& [name, value] : vars)
    has_instance =
        has_instance || (name == "GOOGLE_ADS_INSTANCE_URL" && value == "https://na1.example");
  CHECK(has_instance);
  CHECK(credential_env(sample(), "MY").at(0).first == "MY_ACCESS_TOKEN");
}

TEST_CASE("dotenv escapes quotes, dollars, backslashes and newlines") {
  CHECK(format_dotenv({{"R", "r\"1\n$x\\"}}) == "R=\"r\\\"1\\n\\$x\\\\\"\n");
}

TEST_CASE("GitHub Actions: secrets are masked and written as delimited blocks") {
  EnvVars vars = {{"X_ACCESS_TOKEN", "tok"}, {"X_TOKEN_TYPE", "Bearer"}, {"X_REFRESH_TOKEN", "rt"}};
  CHECK(format_github_masks(vars) == "::add-mask::tok\n::add-mask::rt\n");
  CHECK(format_github_env({{"X", "v"}}, "EOF_1") == "X<<EOF_1\nv\nEOF_1\n");
}
