// SPDX-License-Identifier: MIT
#include "error.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

using namespace oauthlink;

namespace {

using test::temp_dir;

mode_t mode_of(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

} // namespace

TEST_CASE("the store is created 0600 in a 0700 directory whatever the umask (E3)") {
  std::string base = temp_dir();
  mode_t old = ::umask(0);
  {
    auto store = store::Store::open(base + "/home");
    CHECK(mode_of(base + "/home") == 0700);
    CHECK(mode_of(store.path()) == 0600);
  }
  ::umask(old);
}

TEST_CASE("a group-readable or symlinked store is refused (E3)") {
  std::string base = temp_dir();
  { auto store = store::Store::open(base + "/home"); }
  ::chmod((base + "/home/store.db").c_str(), 0644);
  CHECK_THROWS_WITH_AS(store::Store::open(base + "/home"), doctest::Contains("chmod 600"),
                       StoreError);
  ::chmod((base + "/home/store.db").c_str(), 0600);
  ::chmod((base + "/home").c_str(), 0755);
  CHECK_THROWS_AS(store::Store::open(base + "/home"), StoreError);
  ::chmod((base + "/home").c_str(), 0700);

  std::string other = temp_dir();
  ::chmod(other.c_str(), 0700);
  REQUIRE(::symlink((base + "/home/store.db").c_str(), (other + "/store.db").c_str()) == 0);
  CHECK_THROWS_AS(store::Store::open(other), StoreError);
  std::string linked_dir = temp_dir() + "/link";
  REQUIRE(::symlink((base + "/home").c_str(), linked_dir.c_str()) == 0);
  CHECK_THROWS_AS(store::Store::open(linked_dir), StoreError);
}

TEST_CASE("apps, redirects and credentials round-trip") {
  std::string base = temp_dir();
  auto store = store::Store::open(base + "/home");
  flow::App app;
  app.id = "app_1";
  app.provider = "github";
  app.client_id = "cid";
  app.client_secret = "sec";
  app.scopes = {"repo"};
  app.settings = {{"tenant", "t"}};
  app.created_at = 5;
  store.add_app(app);
  auto back = store.find_app("app_1");
  REQUIRE(back);
  CHECK(back->client_secret == "sec");
  CHECK(back->settings.at("tenant") == "t");
  CHECK(store.list_apps().size() == 1);
  CHECK_FALSE(store.find_app("app_2"));

  CHECK(store.add_redirect("http://127.0.0.1/cb/:provider"));
  CHECK_FALSE(store.add_redirect("http://127.0.0.1/cb/:provider"));
  CHECK(store.list_redirects() == std::vector<std::string>{"http://127.0.0.1/cb/:provider"});

  flow::Credential c;
  c.id = "cred_1";
  c.app_id = "app_1";
  c.provider = "github";
  c.tokens.access_token = std::string(70000, 'a');
  c.tokens.refresh_token = "rt";
  c.tokens.expires_at = 4'000'000'000LL;
  c.tokens.extra["instance_url"] = "https://x";
  store.save_credential(c);
  auto cb = store.find_credential("cred_1");
  REQUIRE(cb);
  CHECK(cb->tokens.access_token == c.tokens.access_token);
  CHECK(cb->tokens.expires_at == 4'000'000'000LL);
  CHECK(cb->tokens.extra["instance_url"] == "https://x");
  CHECK(store.remove_app("app_1"));
  CHECK(store.remove_redirect("http://127.0.0.1/cb/:provider"));
}
