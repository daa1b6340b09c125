// SPDX-License-Identifier: MIT
#include "error.hpp"
#include "store/crypto.hpp"
#include "store/key.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

using namespace oauthlink;

namespace {

using test::temp_dir;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

store::Key key_of(char fill) {
  store::Key key{};
  key.fill(static_cast<unsigned char>(fill));
  return key;
}

store::StoreKey store_key(char fill) {
  return {key_of(fill), "test key " + std::string(1, fill)};
}

flow::Credential sample_credential(const std::string& id) {
  flow::Credential c;
  c.id = id;
  c.app_id = "app_1";
  c.provider = "oidc";
  c.tokens.access_token = "AT-" + id + "-secret-value";
  c.tokens.refresh_token = "RT-" + id + "-secret-value";
  c.tokens.id_token = "IDT-" + id + "-secret-value";
  c.created_at = c.updated_at = 1;
  return c;
}

void sql(const std::string& path, const std::string& statement) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  CHECK(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}

} // namespace

TEST_CASE("keys are 64 hex digits or the base64 of 32 bytes, nothing else") {
  std::string hex(64, 'a');
  REQUIRE(store::parse_key(hex));
  CHECK(store::key_to_hex(*store::parse_key(hex)) == hex);
  CHECK(store::parse_key(" " + hex + "\n"));
  // base64 of 32 bytes 0xff, standard and URL-safe, padded or not.
  CHECK(store::parse_key("//////////////////////////////////////////8="));
  CHECK(store::parse_key("__________________________________________8"));
  CHECK_FALSE(store::parse_key(std::string(63, 'a')));
  CHECK_FALSE(store::parse_key(std::string(62, 'a') + "zz"));
  CHECK_FALSE(store::parse_key("c2hvcnQ=")); // 5 bytes
  CHECK_FALSE(store::parse_key(""));
}

TEST_CASE("a sealed value opens only with its key and its aad") {
  auto key = key_of('k');
  std::string sealed = store::seal(key, "s3cret", "credentials|cred_a|access_token");
  CHECK(store::is_sealed(sealed));
  CHECK(sealed.find("s3cret") == std::string::npos);
  CHECK(store::unseal(key, sealed, "credentials|cred_a|access_token") == "s3cret");
  CHECK_FALSE(store::unseal(key, sealed, "credentials|cred_b|access_token"));
  CHECK_FALSE(store::unseal(key, sealed, "credentials|cred_a|refresh_token"));
  CHECK_FALSE(store::unseal(key_of('x'), sealed, "credentials|cred_a|access_token"));
  std::string flipped = sealed;
  flipped[flipped.size() / 2] = flipped[flipped.size() / 2] == 'A' ? 'B' : 'A';
  CHECK_FALSE(store::unseal(key, flipped, "credentials|cred_a|access_token"));
  // A fresh nonce each time: the same plaintext seals differently.
  CHECK(store::seal(key, "s3cret", "a") != store::seal(key, "s3cret", "a"));
}

TEST_CASE("the store file and its WAL hold no secret in plaintext") {
  std::string dir = temp_dir() + "/home";
  auto s = store::Store::open(dir, store_key('k'));
  flow::App app;
  app.id = "app_1";
  app.provider = "oidc";
  app.client_id = "client";
  app.client_secret = "CLIENT-SECRET-value";
  s.add_app(app);
  auto c = sample_credential("cred_1");
  s.save_credential(c);
  s.update_credential("cred_1", [](flow::Credential& x) {
    x.tokens.access_token = "AT-rotated-secret-value";
    return true;
  });
  std::string raw = slurp(dir + "/store.db") + slurp(dir + "/store.db-wal");
  for (const std::string& secret :
       {std::string("CLIENT-SECRET-value"), c.tokens.access_token, c.tokens.refresh_token,
        c.tokens.id_token, std::string("AT-rotated-secret-value")})
    CHECK_MESSAGE(raw.find(secret) == std::string::npos, secret);
  CHECK(s.find_app("app_1")->client_secret == "CLIENT-SECRET-value");
  CHECK(s.find_credential("cred_1")->tokens.refresh_token == c.tokens.refresh_token);
  CHECK(s.find_credential("cred_1")->tokens.access_token == "AT-rotated-secret-value");
}

TEST_CASE("a store opened with another key is refused, naming the key source") {
  std::string dir = temp_dir() + "/home";
  {
    auto s = store::Store::open(dir, store_key('k'));
    s.save_credential(sample_credential("cred_1"));
  }
  CHECK_THROWS_WITH_AS(store::Store::open(dir, store_key('w')),
                       doctest::Contains("another key than the one from test key w"), StoreError);
}

TEST_CASE("a sealed value moved to another row does not decrypt") {
  std::string dir = temp_dir() + "/home";
  {
    auto s = store::Store::open(dir, store_key('k'));
    s.save_credential(sample_credential("cred_1"));
    s.save_credential(sample_credential("cred_2"));
  }
  sql(dir + "/store.db", "UPDATE credentials SET body = (SELECT body FROM credentials WHERE id = "
                         "'cred_1') WHERE id = 'cred_2'");
  auto s = store::Store::open(dir, store_key('k'));
  CHECK(s.find_credential("cred_1"));
  CHECK_THROWS_WITH_AS(s.find_credential("cred_2"), doctest::Contains("cannot be decrypted"),
                       StoreError);
}

TEST_CASE("a plaintext store from before encryption is sealed in place on open") {
  std::string dir = temp_dir() + "/home";
  ::mkdir(dir.c_str(), 0700);
  std::string db = dir + "/store.db";
  sql(db, "CREATE TABLE apps (id TEXT PRIMARY KEY, provider TEXT NOT NULL, body TEXT NOT NULL, "
          "created_at INTEGER NOT NULL);"
          "CREATE TABLE credentials (id TEXT PRIMARY KEY, app_id TEXT NOT NULL, provider TEXT NOT "
          "NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
          "INSERT INTO apps VALUES ('app_1','oidc','{\"client_id\":\"c\",\"client_secret\":"
          "\"OLD-CLIENT-SECRET\"}',1);"
          "INSERT INTO credentials VALUES ('cred_1','app_1','oidc','{\"access_token\":\"OLD-AT\","
          "\"refresh_token\":\"OLD-RT\"}',1,1);"
          "PRAGMA user_version = 1;");
  ::chmod(db.c_str(), 0600);
  {
    auto s = store::Store::open(dir, store_key('k'));
    CHECK(s.find_app("app_1")->client_secret == "OLD-CLIENT-SECRET");
    CHECK(s.find_credential("cred_1")->tokens.refresh_token == "OLD-RT");
  }
  std::string raw = slurp(db) + slurp(db + "-wal");
  CHECK(raw.find("OLD-CLIENT-SECRET") == std::string::npos);
  CHECK(raw.find("OLD-RT") == std::string::npos);
}

TEST_CASE("the key file is created 0600 beside a placed store, and refused when loose (E3)") {
  std::string dir = temp_dir() + "/home";
  ::unsetenv("OAUTHLINK_KEY");
  mode_t old = ::umask(0);
  auto first = store::load_store_key(dir);
  ::umask(old);
  std::string path = dir + "/key";
  CHECK(first.source == "file " + path);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(store::load_store_key(dir).key == first.key);
  ::chmod(path.c_str(), 0644);
  CHECK_THROWS_WITH_AS(store::load_store_key(dir), doctest::Contains("chmod 600"), StoreError);
  ::chmod(path.c_str(), 0600);

  std::string other = temp_dir();
  REQUIRE(::symlink(path.c_str(), (other + "/key").c_str()) == 0);
  CHECK_THROWS_WITH_AS(store::load_store_key(other), doctest::Contains("symbolic link"),
                       StoreError);
}

TEST_CASE("OAUTHLINK_KEY overrides the key file; a malformed one is a store error") {
  std::string dir = temp_dir() + "/home";
  std::string hex = store::key_to_hex(key_of('e'));
  ::setenv("OAUTHLINK_KEY", hex.c_str(), 1);
  auto key = store::load_store_key(dir);
  CHECK(key.source == "OAUTHLINK_KEY");
  CHECK(key.key == key_of('e'));
  CHECK(::access((dir + "/key").c_str(), F_OK) != 0); // no key file was made
  ::setenv("OAUTHLINK_KEY", "not-a-key", 1);
  CHECK_THROWS_WITH_AS(store::load_store_key(dir), doctest::Contains("OAUTHLINK_KEY"), StoreError);
  ::unsetenv("OAUTHLINK_KEY");
}

TEST_CASE("a lost key file is not replaced by a new key while the store holds secrets") {
  std::string dir = temp_dir() + "/home";
  ::unsetenv("OAUTHLINK_KEY");
  {
    auto store = store::Store::open(dir);
    flow::App app;
    app.id = "app_k";
    app.provider = "p";
    app.client_id = "id";
    app.client_secret = "a-secret-sealed-with-the-first-key";
    store.add_app(app);
  }
  std::string key_path = dir + "/key";
  REQUIRE(::unlink(key_path.c_str()) == 0);
  CHECK_THROWS_WITH_AS(store::Store::open(dir), doctest::Contains("is missing"), StoreError);
  struct stat st {};
  CHECK(::lstat(key_path.c_str(), &st) != 0); // no new key was written
}
