// SPDX-License-Identifier: MIT
// The local store: apps, redirect URIs and credentials in one SQLite file (0600, in a
// 0700 directory, WAL, busy timeout). Does I/O. Every write is one transaction.
#pragma once

#include "flow/credential.hpp"
#include "store/key.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace oauthlink::store {

class Store {
public:
  // Opens (creating if needed) <dir>/store.db. Refuses a symlinked, foreign-owned or
  // group/world-accessible file or directory. Throws StoreError.
  // Secrets are sealed with the key from load_store_key(dir) (OAUTHLINK_KEY or the key
  // file); a store written with another key is refused (StoreError naming the source).
  static Store open(const std::string& dir);
  static Store open(const std::string& dir, const StoreKey& key);
  ~Store();
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;

  const std::string& path() const;
  // Where the key came from: "OAUTHLINK_KEY" or "file <path>".
  const std::string& key_source() const;

  // Throws StoreError unless a write transaction can start now (read-only file or
  // directory, a corrupt database): checked before a flow spends a one-time code.
  void check_writable();

  void add_app(const flow::App& app);
  std::vector<flow::App> list_apps();
  std::optional<flow::App> find_app(const std::string& id);
  bool remove_app(const std::string& id); // false if unknown

  // Returns false if the URI was already registered.
  bool add_redirect(const std::string& uri);
  std::vector<std::string> list_redirects();
  bool remove_redirect(const std::string& uri);

  void save_credential(const flow::Credential& credential);

  // Runs `update` on the stored credential inside one write transaction (BEGIN IMMEDIATE):
  // other processes wait (busy timeout) until it commits, so a refresh happens once.
  // `update` returns true to write its changes, false to leave the row as it is; if it
  // throws, nothing is written and the exception propagates. Returns the credential as
  // stored afterwards. Throws StoreError when the id is unknown or the store is read-only
  // (before `update` runs, SECURITY.md E6).
  flow::Credential update_credential(const std::string& id,
                                     const std::function<bool(flow::Credential&)>& update);
  std::vector<flow::Credential> list_credentials();
  std::optional<flow::Credential> find_credential(const std::string& id);
  bool delete_credential(const std::string& id); // false if unknown

private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

} // namespace oauthlink::store
