// SPDX-License-Identifier: MIT
#include "store/store.hpp"

#include "error.hpp"
#include "store/crypto.hpp"
#include "store/key.hpp"
#include "store/private_file.hpp"

#include <sqlite3.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>

namespace oauthlink::store {

using nlohmann::json;

namespace {

const char* const k_schema = R"sql(
CREATE TABLE IF NOT EXISTS apps (
  id TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS redirects (
  uri TEXT PRIMARY KEY,
  created_at INTEGER NOT NULL DEFAULT (strftime('%s','now'))
);
CREATE TABLE IF NOT EXISTS credentials (
  id TEXT PRIMARY KEY,
  app_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql";

// 1: plaintext secrets (before encryption at rest); 2: secrets sealed with the store key.
constexpr int64_t k_schema_version = 2;
const char* const k_key_check = "oauthlink store key check";

// The secret fields of each table's JSON body, sealed with the row's identity as aad.
const std::vector<std::string> k_app_secrets = {"client_secret"};
const std::vector<std::string> k_credential_secrets = {"access_token", "refresh_token", "id_token"};

std::string aad(const std::string& table, const std::string& id, const std::string& field) {
  return "oauthlink/v1|" + table + "|" + id + "|" + field;
}

// Empty values stay empty: they hold no secret, and "no refresh token" must stay visible.
void seal_fields(json& body, const Key& key, const std::string& table, const std::string& id,
                 const std::vector<std::string>& fields) {
  for (const auto& field : fields) {
    auto it = body.find(field);
    if (it != body.end() && it->is_string() && !it->get_ref<const std::string&>().empty())
      *it = seal(key, it->get<std::string>(), aad(table, id, field));
  }
}

void unseal_fields(json& body, const Key& key, const std::string& table, const std::string& id,
                   const std::vector<std::string>& fields) {
  for (const auto& field : fields) {
    auto it = body.find(field);
    if (it == body.end() || !it->is_string() || it->get_ref<const std::string&>().empty())
      continue;
    auto plain = unseal(key, it->get<std::string>(), aad(table, id, field));
    if (!plain)
      throw StoreError("store: " + table + " row " + id + ": " + field
                       + " cannot be decrypted (changed, or moved from another row)");
    *it = *plain;
  }
}

json app_to_json(const flow::App& app) {
  return {{"name", app.name},
          {"client_id", app.client_id},
          {"client_secret", app.client_secret},
          {"scopes", app.scopes},
          {"settings", app.settings},
          {"issuer", app.issuer},
          {"authorization_url", app.authorization_url},
          {"token_url", app.token_url},
          {"auth_method", app.auth_method},
          {"environment", app.environment}};
}

flow::App app_from_row(const Key& key, const std::string& id, const std::string& provider,
                       const std::string& body, int64_t created_at) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw StoreError("store: app " + id + " is corrupt");
  unseal_fields(j, key, "apps", id, k_app_secrets);
  flow::App app;
  app.id = id;
  app.provider = provider;
  app.created_at = created_at;
  app.name = j.value("name", "");
  app.client_id = j.value("client_id", "");
  app.client_secret = j.value("client_secret", "");
  app.scopes = j.value("scopes", std::vector<std::string>{});
  app.settings = j.value("settings", providers::StringMap{});
  app.issuer = j.value("issuer", "");
  app.authorization_url = j.value("authorization_url", "");
  app.token_url = j.value("token_url", "");
  app.auth_method = j.value("auth_method", "");
  app.environment = j.value("environment", ""); // absent in apps stored before environments
  return app;
}

json tokens_to_json(const flow::Credential& c) {
  const auto& t = c.tokens;
  return {{"access_token", t.access_token},
          {"token_type", t.token_type},
          {"refresh_token", t.refresh_token},
          {"expires_at", t.expires_at ? json(*t.expires_at) : json(nullptr)},
          {"scope", t.scope},
          {"id_token", t.id_token},
          {"extra", t.extra},
          {"metadata", c.metadata}};
}

flow::Credential credential_from_row(const Key& key, const std::string& id,
                                     const std::string& app_id, const std::string& provider,
                                     const std::string& body, int64_t created_at,
                                     int64_t updated_at) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw StoreError("store: credential " + id + " is corrupt");
  unseal_fields(j, key, "credentials", id, k_credential_secrets);
  flow::Credential c;
  c.id = id;
  c.app_id = app_id;
  c.provider = provider;
  c.created_at = created_at;
  c.updated_at = updated_at;
  c.tokens.access_token = j.value("access_token", "");
  c.tokens.token_type = j.value("token_type", "Bearer");
  c.tokens.refresh_token = j.value("refresh_token", "");
  if (j.contains("expires_at") && j["expires_at"].is_number_integer())
    c.tokens.expires_at = j["expires_at"].get<int64_t>();
  c.tokens.scope = j.value("scope", "");
  c.tokens.id_token = j.value("id_token", "");
  c.tokens.extra = j.value("extra", json::object());
  c.metadata = j.value("metadata", json::object());
  return c;
}

} // namespace

struct Store::Impl {
  sqlite3* db = nullptr;
  std::string path;
  Key key{};
  std::string key_source;
  ~Impl() {
    if (db)
      sqlite3_close(db);
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw StoreError(path + ": " + what + ": " + sqlite3_errmsg(db));
  }

  void exec(const char* sql) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      std::string text = message ? message : "unknown error";
      sqlite3_free(message);
      throw StoreError(path + ": " + text);
    }
  }

  int64_t user_version();
  std::string meta(const std::string& name);
  // Inside a write transaction: creates or upgrades the schema. A version-1 store (from
  // before encryption at rest) has its plaintext secrets sealed in place.
  // Returns true when it sealed plaintext rows.
  bool upgrade();
  void seal_table(const char* table, const std::vector<std::string>& fields);
  // Throws StoreError naming the key source when the store was written with another key.
  void check_key();
};

namespace {

// A prepared statement with RAII finalisation.
class Statement {
public:
  Statement(sqlite3* db, const char* sql, const std::string& path)
      : m_db(db),
        m_path(path) {
    if (sqlite3_prepare_v2(db, sql, -1, &m_stmt, nullptr) != SQLITE_OK)
      throw StoreError(path + ": " + sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(m_stmt); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, const std::string& text) {
    sqlite3_bind_text(m_stmt, index, text.c_str(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int index, int64_t value) {
    sqlite3_bind_int64(m_stmt, index, value);
    return *this;
  }
  // true while there is a row.
  bool step() {
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW)
      return true;
    if (rc == SQLITE_DONE)
      return false;
    throw StoreError(m_path + ": " + sqlite3_errmsg(m_db));
  }
  std::string text(int column) {
    const unsigned char* value = sqlite3_column_text(m_stmt, column);
    return value ? reinterpret_cast<const char*>(value) : "";
  }
  int64_t integer(int column) { return sqlite3_column_int64(m_stmt, column); }
  int changes() { return sqlite3_changes(m_db); }

private:
  sqlite3* m_db;
  const std::string& m_path;
  sqlite3_stmt* m_stmt = nullptr;
};

} // namespace

int64_t Store::Impl::user_version() {
  Statement s(db, "PRAGMA user_version", path);
  return s.step() ? s.integer(0) : 0;
}

std::string Store::Impl::meta(const std::string& name) {
  Statement s(db, "SELECT value FROM meta WHERE name = ?", path);
  s.bind(1, name);
  return s.step() ? s.text(0) : "";
}

bool Store::Impl::upgrade() {
  int64_t version = user_version();
  if (version > k_schema_version)
    throw StoreError(path + ": written by a newer oauthlink (schema " + std::to_string(version)
                     + "); upgrade oauthlink");
  exec(k_schema);
  if (version == 1) {
    seal_table("apps", k_app_secrets);
    seal_table("credentials", k_credential_secrets);
  }
  if (meta("key_check").empty()) {
    Statement s(db, "INSERT INTO meta (name, value) VALUES ('key_check', ?)", path);
    s.bind(1, seal(key, k_key_check, aad("meta", "key_check", "value")));
    s.step();
  }
  exec(("PRAGMA user_version = " + std::to_string(k_schema_version) + ";").c_str());
  return version == 1;
}

void Store::Impl::seal_table(const char* table, const std::vector<std::string>& fields) {
  std::vector<std::pair<std::string, std::string>> rows;
  {
    Statement s(db, (std::string("SELECT id, body FROM ") + table).c_str(), path);
    while (s.step())
      rows.emplace_back(s.text(0), s.text(1));
  }
  for (auto& [id, text] : rows) {
    json body = json::parse(text, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      throw StoreError(path + ": " + table + " row " + id + " is corrupt");
    seal_fields(body, key, table, id, fields);
    Statement u(db, (std::string("UPDATE ") + table + " SET body = ? WHERE id = ?").c_str(), path);
    u.bind(1, body.dump()).bind(2, id);
    u.step();
  }
}

void Store::Impl::check_key() {
  std::string check = meta("key_check");
  auto plain = unseal(key, check, aad("meta", "key_check", "value"));
  if (!plain || *plain != k_key_check)
    throw StoreError(path + ": its secrets were encrypted with another key than the one from "
                     + key_source
                     + "; set OAUTHLINK_KEY to the key the store was written with, or restore "
                       "its key file");
}

Store::Store(std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl)) {}
Store::~Store() = default;
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;

const std::string& Store::path() const {
  return m_impl->path;
}

namespace {

// True when dir/store.db already holds secrets sealed with some key (its key check row).
bool holds_sealed_secrets(const std::string& dir) {
  std::string path = dir + "/store.db";
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || st.st_size == 0)
    return false;
  sqlite3* db = nullptr;
  bool sealed = false;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, nullptr)
      == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM meta WHERE name = 'key_check'", -1, &stmt, nullptr)
        == SQLITE_OK)
      sealed = sqlite3_step(stmt) == SQLITE_ROW;
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return sealed;
}

} // namespace

Store Store::open(const std::string& dir) {
  make_private_dir(dir);
  // A lost key file must not be replaced by a new key: the stored secrets would become
  // unreadable for good, and the next write would mix two keys.
  const char* env = std::getenv("OAUTHLINK_KEY");
  std::string key_path = key_file_path(dir);
  struct stat st {};
  if ((env == nullptr || *env == '\0') && ::lstat(key_path.c_str(), &st) != 0 && errno == ENOENT
      && holds_sealed_secrets(dir))
    throw StoreError(dir + "/store.db holds secrets sealed with a key, but its key file " + key_path
                     + " is missing; restore that file (or set OAUTHLINK_KEY to the key). "
                       "No new key was made");
  return open(dir, load_store_key(dir));
}

Store Store::open(const std::string& dir, const StoreKey& key) {
  make_private_dir(dir);
  auto impl = std::make_unique<Impl>();
  impl->path = dir + "/store.db";
  impl->key = key.key;
  impl->key_source = key.source;
  make_private_file(impl->path);
  // A store made read-only (chmod u-w) stays so, even for root: writes then fail before
  // any provider call (SECURITY.md E6).
  int mode = is_read_only(impl->path) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (sqlite3_open_v2(impl->path.c_str(), &impl->db,
                      mode | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX, nullptr)
      != SQLITE_OK)
    impl->fail("cannot open store");
  // Longer than one provider call (curl's 30 s cap): a process waiting for another's
  // refresh must outlast it.
  sqlite3_busy_timeout(impl->db, 45000);
  // WAL and -shm files are created by SQLite with the main file's permissions.
  impl->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
             "PRAGMA secure_delete=ON;");
  // The common case reads only: a current store needs no write transaction to open.
  if (impl->user_version() != k_schema_version) {
    impl->exec("BEGIN IMMEDIATE;");
    bool migrated = false;
    try {
      migrated = impl->upgrade();
      impl->exec("COMMIT;");
    } catch (...) {
      sqlite3_exec(impl->db, "ROLLBACK;", nullptr, nullptr, nullptr);
      throw;
    }
    // Rewrite the file so no free page keeps an old plaintext secret.
    if (migrated)
      impl->exec("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);");
  }
  impl->check_key();
  return Store(std::move(impl));
}

const std::string& Store::key_source() const {
  return m_impl->key_source;
}

void Store::check_writable() {
  if (sqlite3_db_readonly(m_impl->db, "main") == 1)
    throw StoreError(m_impl->path + ": the store is read-only");
  m_impl->exec("BEGIN IMMEDIATE;");
  // A write that is rolled back: proves the file and its journal can be written.
  try {
    m_impl->exec("CREATE TABLE IF NOT EXISTS write_probe (x); DROP TABLE write_probe;");
  } catch (...) {
    sqlite3_exec(m_impl->db, "ROLLBACK;", nullptr, nullptr, nullptr);
    throw;
  }
  m_impl->exec("ROLLBACK;");
}

void Store::add_app(const flow::App& app) {
  Statement s(m_impl->db, "INSERT INTO apps (id, provider, body, created_at) VALUES (?, ?, ?, ?)",
              m_impl->path);
  json body = app_to_json(app);
  seal_fields(body, m_impl->key, "apps", app.id, k_app_secrets);
  s.bind(1, app.id).bind(2, app.provider).bind(3, body.dump()).bind(4, app.created_at);
  s.step();
}

std::vector<flow::App> Store::list_apps() {
  Statement s(m_impl->db, "SELECT id, provider, body, created_at FROM apps ORDER BY created_at, id",
              m_impl->path);
  std::vector<flow::App> apps;
  while (s.step())
    apps.push_back(app_from_row(m_impl->key, s.text(0), s.text(1), s.text(2), s.integer(3)));
  return apps;
}

std::optional<flow::App> Store::find_app(const std::string& id) {
  Statement s(m_impl->db, "SELECT id, provider, body, created_at FROM apps WHERE id = ?",
              m_impl->path);
  s.bind(1, id);
  if (!s.step())
    return std::nullopt;
  return app_from_row(m_impl->key, s.text(0), s.text(1), s.text(2), s.integer(3));
}

bool Store::remove_app(const std::string& id) {
  Statement s(m_impl->db, "DELETE FROM apps WHERE id = ?", m_impl->path);
  s.bind(1, id);
  s.step();
  return s.changes() > 0;
}

bool Store::add_redirect(const std::string& uri) {
  Statement s(m_impl->db, "INSERT OR IGNORE INTO redirects (uri) VALUES (?)", m_impl->path);
  s.bind(1, uri);
  s.step();
  return s.changes() > 0;
}

std::vector<std::string> Store::list_redirects() {
  Statement s(m_impl->db, "SELECT uri FROM redirects ORDER BY created_at, uri", m_impl->path);
  std::vector<std::string> uris;
  while (s.step())
    uris.push_back(s.text(0));
  return uris;
}

bool Store::remove_redirect(const std::string& uri) {
  Statement s(m_impl->db, "DELETE FROM redirects WHERE uri = ?", m_impl->path);
  s.bind(1, uri);
  s.step();
  return s.changes() > 0;
}

void Store::save_credential(const flow::Credential& c) {
  Statement s(m_impl->db,
              "INSERT INTO credentials (id, app_id, provider, body, created_at, updated_at) "
              "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET body = excluded.body, "
              "updated_at = excluded.updated_at",
              m_impl->path);
  json body = tokens_to_json(c);
  seal_fields(body, m_impl->key, "credentials", c.id, k_credential_secrets);
  s.bind(1, c.id).bind(2, c.app_id).bind(3, c.provider).bind(4, body.dump());
  s.bind(5, c.created_at).bind(6, c.updated_at);
  s.step();
}

flow::Credential Store::update_credential(const std::string& id,
                                          const std::function<bool(flow::Credential&)>& update) {
  // BEGIN IMMEDIATE succeeds on a read-only connection; the failure would come only at the
  // write, after `update` spent a rotating refresh token.
  if (sqlite3_db_readonly(m_impl->db, "main") == 1)
    throw StoreError(
        m_impl->path
        + ": the store is read-only (chmod u+w on it to allow changes); nothing was changed");
  m_impl->exec("BEGIN IMMEDIATE;");
  try {
    auto current = find_credential(id);
    if (!current)
      throw StoreError("no credential '" + id + "'");
    flow::Credential next = *current;
    if (update(next)) {
      save_credential(next);
      current = next;
    }
    m_impl->exec("COMMIT;");
    return *current;
  } catch (...) {
    sqlite3_exec(m_impl->db, "ROLLBACK;", nullptr, nullptr, nullptr);
    throw;
  }
}

bool Store::delete_credential(const std::string& id) {
  Statement s(m_impl->db, "DELETE FROM credentials WHERE id = ?", m_impl->path);
  s.bind(1, id);
  s.step();
  return s.changes() > 0;
}

std::vector<flow::Credential> Store::list_credentials() {
  Statement s(m_impl->db,
              "SELECT id, app_id, provider, body, created_at, updated_at FROM credentials "
              "ORDER BY created_at, id",
              m_impl->path);
  std::vector<flow::Credential> out;
  while (s.step())
    out.push_back(credential_from_row(m_impl->key, s.text(0), s.text(1), s.text(2), s.text(3),
                                      s.integer(4), s.integer(5)));
  return out;
}

std::optional<flow::Credential> Store::find_credential(const std::string& id) {
  Statement s(m_impl->db,
              "SELECT id, app_id, provider, body, created_at, updated_at FROM credentials "
              "WHERE id = ?",
              m_impl->path);
  s.bind(1, id);
  if (!s.step())
    return std::nullopt;
  return credential_from_row(m_impl->key, s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4),
                             s.integer(5));
}

} // namespace oauthlink::store
