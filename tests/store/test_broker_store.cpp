// SPDX-License-Identifier: MIT
// The broker's tables: atomic consumption across connections, persistence, sweeping.
#include "store/broker_store.hpp"
#include "store/store.hpp"
#include "support/temp_dir.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

using namespace oauthlink;

namespace {

std::string broker_home() {
  return test::temp_dir() + "/home";
}

flow::BrokerCode code_row(const std::string& hash, int64_t expires_at) {
  flow::BrokerCode c;
  c.code_hash = hash;
  c.app_id = "app_a";
  c.redirect_uri = "http://127.0.0.1:3000/cb";
  c.app_state = "s \xc3\xa9";
  c.credential_id = "cred_1";
  c.expires_at = expires_at;
  return c;
}

} // namespace

TEST_CASE("broker store: of concurrent consumers of one code exactly one wins (C6)") {
  auto store = store::Store::open(broker_home());
  auto setup = store::BrokerStore::open(store.path());
  setup.save_code(code_row("h1", 2000));
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      // Each its own connection, as two broker processes would have.
      auto own = store::BrokerStore::open(store.path());
      wins += own.consume_code("h1", 1000) ? 1 : 0;
    });
  for (auto& t : threads)
    t.join();
  CHECK(wins == 1);
  CHECK(setup.find_code("h1")->used);
  setup.save_code(code_row("h2", 1000));
  CHECK_FALSE(setup.consume_code("h2", 1001)); // expired
}

TEST_CASE("broker store: pending flows and codes survive a reopen; sweeping removes the "
          "expired") {
  std::string home = broker_home();
  {
    auto store = store::Store::open(home);
    auto broker = store::BrokerStore::open(store.path());
    flow::PendingFlow f;
    f.state_hash = "sh";
    f.app_id = "app_a";
    f.provider = "p";
    f.redirect_uri = "http://127.0.0.1/cb";
    f.app_state = "a+b";
    f.code_verifier = "v";
    f.scopes = {"openid", "email"};
    f.expires_at = 5000;
    broker.save_flow(f);
    broker.save_code(code_row("old", 100));
    CHECK(broker.api_key([] { return std::string("key-1"); }) == "key-1");
  }
  auto store = store::Store::open(home);
  auto broker = store::BrokerStore::open(store.path());
  auto f = broker.find_flow("sh");
  REQUIRE(f);
  CHECK(f->app_state == "a+b");
  CHECK(f->scopes == std::vector<std::string>{"openid", "email"});
  CHECK(broker.api_key([] { return std::string("key-2"); }) == "key-1"); // kept
  CHECK(broker.find_code("old")->app_state == "s \xc3\xa9");
  CHECK(broker.add_code_failure("old") == 1);
  CHECK(broker.sweep(1000) == 1);
  CHECK_FALSE(broker.find_code("old"));
  CHECK(broker.take_flow("sh"));
  CHECK_FALSE(broker.take_flow("sh"));
}
