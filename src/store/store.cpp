// SPDX-License-Identifier: MIT
#include "store/store.hpp"

#include "error.hpp"

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
PRAGMA user_version = 1;
)sql";

// Checks one path we are about to trust with secrets (SECURITY.md E3).
void check_private(const std::string& path, bool directory) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    throw StoreError(path + ": " + std::strerror(errno));
  if (S_ISLNK(st.st_mode))
    throw StoreError(path + ": is a symbolic link; refusing to use it");
  if (directory ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
    throw StoreError(path + ": is not a " + (directory ? "directory" : "regular file"));
  if (st.st_uid != ::geteuid())
    throw StoreError(path + ": is owned by another user; refusing to use it");
  if (st.st_mode & 077)
    throw StoreError(path + ": is accessible by group or others (mode "
                     + std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7)
                     + std::to_string(st.st_mode & 7) + "); run chmod "
                     + (directory ? "700" : "600") + " on it");
}

void make_private_dir(const std::string& dir) {
  // Create each missing component; only the last one must be private.
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos == dir.size() || dir[pos] == '/') {
      std::string part = dir.substr(0, pos);
      if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
        throw StoreError(part + ": cannot create directory: " + std::strerror(errno));
    }
  }
  check_private(dir, true);
}

// Creates the file 0600 whatever the umask, never following a link (SECURITY.md E3).
void make_private_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    throw StoreError(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  bool fresh = ::fstat(fd, &st) == 0 && st.st_size == 0;
  if (fresh)
    ::fchmod(fd, 0600);
  ::close(fd);
  check_private(path, false);
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

flow::App app_from_row(const std::string& id, const std::string& provider, const std::string& body,
                       int64_t created_at) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw StoreError("store: app " + id + " is corrupt");
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

flow::Credential credential_from_row(const std::string& id, const std::string& app_id,
                                     const std::string& provider, const std::string& body,
                                     int64_t created_at, int64_t updated_at) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw StoreError("store: credential " + id + " is corrupt");
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

Store::Store(std::unique_ptr<Impl> impl)
    : m_impl(std::move(impl)) {}
Store::~Store() = default;
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;

const std::string& Store::path() const {
  return m_impl->path;
}

Store Store::open(const std::string& dir) {
  make_private_dir(dir);
  auto impl = std::make_unique<Impl>();
  impl->path = dir + "/store.db";
  make_private_file(impl->path);
  if (sqlite3_open_v2(impl->path.c_str(), &impl->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX, nullptr)
      != SQLITE_OK)
    impl->fail("cannot open store");
  // Longer than one provider call (curl's 30 s cap): a process waiting for another's
  // refresh must outlast it.
  sqlite3_busy_timeout(impl->db, 45000);
  // WAL and -shm files are created by SQLite with the main file's permissions.
  impl->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  impl->exec("BEGIN IMMEDIATE;");
  try {
    impl->exec(k_schema);
    impl->exec("COMMIT;");
  } catch (...) {
    sqlite3_exec(impl->db, "ROLLBACK;", nullptr, nullptr, nullptr);
    throw;
  }
  return Store(std::move(impl));
}

void Store::check_writable() {
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
  s.bind(1, app.id).bind(2, app.provider).bind(3, app_to_json(app).dump()).bind(4, app.created_at);
  s.step();
}

std::vector<flow::App> Store::list_apps() {
  Statement s(m_impl->db, "SELECT id, provider, body, created_at FROM apps ORDER BY created_at, id",
              m_impl->path);
  std::vector<flow::App> apps;
  while (s.step())
    apps.push_back(app_from_row(s.text(0), s.text(1), s.text(2), s.integer(3)));
  return apps;
}

std::optional<flow::App> Store::find_app(const std::string& id) {
  Statement s(m_impl->db, "SELECT id, provider, body, created_at FROM apps WHERE id = ?",
              m_impl->path);
  s.bind(1, id);
  if (!s.step())
    return std::nullopt;
  return app_from_row(s.text(0), s.text(1), s.text(2), s.integer(3));
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
  s.bind(1, c.id).bind(2, c.app_id).bind(3, c.provider).bind(4, tokens_to_json(c).dump());
  s.bind(5, c.created_at).bind(6, c.updated_at);
  s.step();
}

flow::Credential Store::update_credential(const std::string& id,
                                          const std::function<bool(flow::Credential&)>& update) {
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
    out.push_back(credential_from_row(s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4),
                                      s.integer(5)));
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
  return credential_from_row(s.text(0), s.text(1), s.text(2), s.text(3), s.integer(4),
                             s.integer(5));
}

} // namespace oauthlink::store
