// SPDX-License-Identifier: MIT
// The broker's own state in the store file: pending flows, one-time codes (as hashes),
// start-auth links and the API key. A second SQLite connection to <dir>/store.db (WAL,
// busy timeout); Store::open has made and checked the file (0600, directory 0700). I/O.
#pragma once

#include "flow/broker.hpp"

#include <memory>
#include <string>

namespace oauthlink::store {

class BrokerStore {
public:
  // Opens the store file (which must exist) and creates the broker tables. Throws StoreError.
  static BrokerStore open(const std::string& db_path);
  ~BrokerStore();
  BrokerStore(BrokerStore&&) noexcept;
  BrokerStore& operator=(BrokerStore&&) noexcept;

  // The API key, created from `make` on first use and kept.
  std::string api_key(const std::function<std::string()>& make);

  void save_flow(const flow::PendingFlow& flow);
  std::optional<flow::PendingFlow> find_flow(const std::string& state_hash);
  bool take_flow(const std::string& state_hash);

  void save_code(const flow::BrokerCode& code);
  std::optional<flow::BrokerCode> find_code(const std::string& code_hash);
  int add_code_failure(const std::string& code_hash);
  bool consume_code(const std::string& code_hash, int64_t now);

  void save_link(const flow::StartLink& link);
  std::optional<flow::StartLink> take_link(const std::string& token_hash);

  // Deletes flows, codes and links that expired before `now`; returns how many.
  int sweep(int64_t now);

  struct Impl; // the connection; defined in the .cpp

private:
  explicit BrokerStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

} // namespace oauthlink::store
