// SPDX-License-Identifier: MIT
#include "store/key.hpp"

#include "error.hpp"
#include "store/private_file.hpp"
#include "sys/paths.hpp"
#include "sys/random.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace oauthlink::store {

namespace {

// The config directory may already exist with 0755 (it holds providers.toml); it must
// at least be ours and writable by nobody else, so no one can swap the key file.
void make_key_dir(const std::string& dir) {
  make_dirs(dir);
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw StoreError(dir + ": is not a directory");
  if (st.st_uid != ::geteuid() || (st.st_mode & 022))
    throw StoreError(dir
                     + ": is writable by others or owned by another user; refusing to keep "
                       "the store key there");
}

std::string read_key_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    throw StoreError(path + ": cannot open the store key: " + std::strerror(errno));
  std::string text;
  char buffer[256];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0 && text.size() < 4096)
    text.append(buffer, static_cast<size_t>(n));
  ::close(fd);
  return text;
}

void create_key_file(const std::string& path) {
  std::string temp = path + ".new-" + sys::random_urlsafe(12);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    throw StoreError(temp + ": cannot create the store key: " + std::strerror(errno));
  Key key{};
  std::string random = sys::random_bytes(key.size());
  std::copy(random.begin(), random.end(), key.begin());
  std::string text = key_to_hex(key) + "\n";
  bool ok = ::fchmod(fd, 0600) == 0
            && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size())
            && ::fsync(fd) == 0;
  ::close(fd);
  // link(2) publishes a complete file, and fails if another process was first: then
  // that process's key is the one.
  if (ok && ::link(temp.c_str(), path.c_str()) != 0 && errno != EEXIST)
    ok = false;
  ::unlink(temp.c_str());
  if (!ok)
    throw StoreError(path + ": cannot write the store key: " + std::strerror(errno));
}

} // namespace

std::string key_file_path(const std::string& store_dir) {
  const char* home = std::getenv("OAUTHLINK_HOME");
  bool placed = home && *home;
  std::string config = sys::config_dir();
  if (!placed && !config.empty()) {
    try {
      if (store_dir == sys::data_dir(""))
        return config + "/key";
    } catch (const Error&) {
      // No HOME: there is no default store to compare with.
    }
  }
  return store_dir + "/key";
}

StoreKey load_store_key(const std::string& store_dir) {
  StoreKey result;
  if (const char* env = std::getenv("OAUTHLINK_KEY"); env && *env) {
    auto key = parse_key(env);
    if (!key)
      throw StoreError("OAUTHLINK_KEY: not a key: give 64 hex digits or the base64 of 32 bytes "
                       "(e.g. from 'openssl rand -hex 32')");
    result.key = *key;
    result.source = "OAUTHLINK_KEY";
    return result;
  }
  std::string path = key_file_path(store_dir);
  make_key_dir(path.substr(0, path.rfind('/')));
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT)
      throw StoreError(path + ": " + std::strerror(errno));
    create_key_file(path);
  }
  check_private(path, PathKind::file);
  auto key = parse_key(read_key_file(path));
  if (!key)
    throw StoreError(path + ": not a store key (64 hex digits expected)");
  result.key = *key;
  result.source = "file " + path;
  return result;
}

} // namespace oauthlink::store
