// SPDX-License-Identifier: MIT
#include "store/broker_store.hpp"

#include "error.hpp"

#include <sqlite3.h>

#include <mutex>

namespace oauthlink::store {

using nlohmann::json;

namespace {

const char* const k_broker_schema = R"sql(
CREATE TABLE IF NOT EXISTS broker_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS broker_flows (
  state_hash TEXT PRIMARY KEY, body TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS broker_codes (
  code_hash TEXT PRIMARY KEY, body TEXT NOT NULL, expires_at INTEGER NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0, used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS broker_links (
  token_hash TEXT PRIMARY KEY, body TEXT NOT NULL, expires_at INTEGER NOT NULL,
  used INTEGER NOT NULL DEFAULT 0);
)sql";

json optional_text(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

std::optional<std::string> read_optional(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string())
    return std::nullopt;
  return it->get<std::string>();
}

// Flows, codes and links all say where the user goes back to, for which app, with which
// state of the app's.
template <class Row> json target_json(const Row& row) {
  return {{"app_id", row.app_id},
          {"redirect_uri", row.redirect_uri},
          {"app_state", optional_text(row.app_state)}};
}

template <class Row> void read_target(const json& j, Row& row) {
  row.app_id = j.value("app_id", "");
  row.redirect_uri = j.value("redirect_uri", "");
  row.app_state = read_optional(j, "app_state");
  row.expires_at = j["expires_at"].get<int64_t>();
}

} // namespace

// One connection, used from the server's worker threads. Every check-and-set is one SQL
// statement, so it is atomic across processes too; within this process `mutex` keeps a
// statement and its sqlite3_changes() together (FULLMUTEX alone serialises single calls
// only, and another thread's statement could change the count in between).
struct BrokerStore::Impl {
  sqlite3* db = nullptr;
  std::string path;
  std::recursive_mutex mutex;
  ~Impl() {
    if (db)
      sqlite3_close(db);
  }

  [[noreturn]] void fail() const { throw StoreError(path + ": " + sqlite3_errmsg(db)); }

  // Runs sql with text/integer arguments; `row` sees each result row. Returns the number
  // of rows changed.
  int run(const char* sql, std::initializer_list<json> args,
          const std::function<void(sqlite3_stmt*)>& row = {}) {
    std::lock_guard lock(mutex);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK)
      fail();
    int index = 1;
    for (const auto& arg : args) {
      if (arg.is_number_integer()) {
        sqlite3_bind_int64(stmt, index++, arg.get<int64_t>());
      } else {
        const auto& text = arg.get_ref<const std::string&>();
        sqlite3_bind_text(stmt, index++, text.data(), static_cast<int>(text.size()),
                          SQLITE_TRANSIENT);
      }
    }
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
      if (row)
        row(stmt);
    int changed = sqlite3_changes(db);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
      fail();
    return changed;
  }

  static std::string column(sqlite3_stmt* stmt, int i) {
    const unsigned char* text = sqlite3_column_text(stmt, i);
    return text ? reinterpret_cast<const char*>(text) : "";
  }

  std::optional<json> body_of(const char* sql, const std::string& key) {
    std::optional<json> out;
    run(sql, {key}, [&](sqlite3_stmt* stmt) {
      json j = json::parse(column(stmt, 0), nullptr, false);
      if (j.is_discarded() || !j.is_object())
        throw StoreError(path + ": a broker row is corrupt");
      j["expires_at"] = sqlite3_column_int64(stmt, 1);
      if (sqlite3_column_count(stmt) > 2) {
        j["failures"] = sqlite3_column_int64(stmt, 2);
        j["used"] = sqlite3_column_int64(stmt, 3) != 0;
      }
      out = std::move(j);
    });
    return out;
  }
};

namespace {

// The row of `sql` for `key` as a Row (its key field and target filled), or nullopt.
template <class Row>
std::optional<Row> load(BrokerStore::Impl& impl, const char* sql, const std::string& key,
                        std::string Row::*key_field, std::optional<json>* raw = nullptr) {
  auto j = impl.body_of(sql, key);
  if (!j)
    return std::nullopt;
  Row row;
  row.*key_field = key;
  read_target(*j, row);
  if (raw)
    *raw = std::move(j);
  return row;
}

} // namespace

BrokerStore::BrokerStore(std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl)) {}
BrokerStore::~BrokerStore() = default;
BrokerStore::BrokerStore(BrokerStore&&) noexcept = default;
BrokerStore& BrokerStore::operator=(BrokerStore&&) noexcept = default;

BrokerStore BrokerStore::open(const std::string& db_path) {
  auto impl = std::make_unique<Impl>();
  impl->path = db_path;
  // No SQLITE_OPEN_CREATE: Store::open made the file with its modes and checks.
  if (sqlite3_open_v2(db_path.c_str(), &impl->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX, nullptr)
      != SQLITE_OK)
    impl->fail();
  sqlite3_busy_timeout(impl->db, 45000);
  char* message = nullptr;
  if (sqlite3_exec(impl->db, k_broker_schema, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    throw StoreError(db_path + ": " + text);
  }
  return BrokerStore(std::move(impl));
}

std::string BrokerStore::api_key(const std::function<std::string()>& make) {
  std::string key = make();
  // INSERT OR IGNORE: of two first starts, one key wins and both read it back.
  m_impl->run("INSERT OR IGNORE INTO broker_meta (key, value) VALUES ('api_key', ?)", {key});
  std::string stored;
  m_impl->run("SELECT value FROM broker_meta WHERE key = 'api_key'", {},
              [&](sqlite3_stmt* stmt) { stored = Impl::column(stmt, 0); });
  return stored;
}

void BrokerStore::save_flow(const flow::PendingFlow& f) {
  json body = target_json(f);
  body["provider"] = f.provider;
  body["code_challenge"] = f.code_challenge;
  body["code_verifier"] = f.code_verifier;
  body["scopes"] = f.scopes;
  m_impl->run("INSERT INTO broker_flows (state_hash, body, expires_at) VALUES (?, ?, ?)",
              {f.state_hash, body.dump(), f.expires_at});
}

std::optional<flow::PendingFlow> BrokerStore::find_flow(const std::string& state_hash) {
  std::optional<json> j;
  auto f = load(*m_impl, "SELECT body, expires_at FROM broker_flows WHERE state_hash = ?",
                state_hash, &flow::PendingFlow::state_hash, &j);
  if (!f)
    return std::nullopt;
  f->provider = j->value("provider", "");
  f->code_challenge = j->value("code_challenge", "");
  f->code_verifier = j->value("code_verifier", "");
  f->scopes = j->value("scopes", std::vector<std::string>{});
  return f;
}

bool BrokerStore::take_flow(const std::string& state_hash) {
  return m_impl->run("DELETE FROM broker_flows WHERE state_hash = ?", {state_hash}) == 1;
}

void BrokerStore::save_code(const flow::BrokerCode& c) {
  json body = target_json(c);
  body["code_challenge"] = c.code_challenge;
  body["credential_id"] = c.credential_id;
  m_impl->run("INSERT INTO broker_codes (code_hash, body, expires_at) VALUES (?, ?, ?)",
              {c.code_hash, body.dump(), c.expires_at});
}

std::optional<flow::BrokerCode> BrokerStore::find_code(const std::string& code_hash) {
  std::optional<json> j;
  auto c =
      load(*m_impl, "SELECT body, expires_at, failures, used FROM broker_codes WHERE code_hash = ?",
           code_hash, &flow::BrokerCode::code_hash, &j);
  if (!c)
    return std::nullopt;
  c->code_challenge = j->value("code_challenge", "");
  c->credential_id = j->value("credential_id", "");
  c->failures = static_cast<int>((*j)["failures"].get<int64_t>());
  c->used = (*j)["used"].get<bool>();
  return c;
}

int BrokerStore::add_code_failure(const std::string& code_hash) {
  int failures = 0;
  m_impl->run("UPDATE broker_codes SET failures = failures + 1 WHERE code_hash = ? "
              "RETURNING failures",
              {code_hash}, [&](sqlite3_stmt* stmt) { failures = sqlite3_column_int(stmt, 0); });
  return failures;
}

bool BrokerStore::consume_code(const std::string& code_hash, int64_t now) {
  // One statement: the check and the set cannot interleave with another caller's (C6).
  return m_impl->run("UPDATE broker_codes SET used = 1 WHERE code_hash = ? AND used = 0 "
                     "AND expires_at >= ?",
                     {code_hash, now})
         == 1;
}

void BrokerStore::save_link(const flow::StartLink& l) {
  m_impl->run("INSERT INTO broker_links (token_hash, body, expires_at) VALUES (?, ?, ?)",
              {l.token_hash, target_json(l).dump(), l.expires_at});
}

std::optional<flow::StartLink> BrokerStore::take_link(const std::string& token_hash) {
  if (m_impl->run("UPDATE broker_links SET used = 1 WHERE token_hash = ? AND used = 0",
                  {token_hash})
      != 1)
    return std::nullopt;
  return load(*m_impl, "SELECT body, expires_at FROM broker_links WHERE token_hash = ?", token_hash,
              &flow::StartLink::token_hash);
}

int BrokerStore::sweep(int64_t now) {
  int removed = 0;
  // Used codes are kept until they expire, so that a replay is recognised (C6).
  for (const char* sql : {"DELETE FROM broker_flows WHERE expires_at < ?",
                          "DELETE FROM broker_codes WHERE expires_at < ?",
                          "DELETE FROM broker_links WHERE expires_at < ?"})
    removed += m_impl->run(sql, {now});
  return removed;
}

} // namespace oauthlink::store
