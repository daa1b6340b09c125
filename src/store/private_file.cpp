// SPDX-License-Identifier: MIT
#include "store/private_file.hpp"

#include "error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace oauthlink::store {

bool is_read_only(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && !(st.st_mode & S_IWUSR);
}

void check_private(const std::string& path, PathKind kind) {
  bool directory = kind == PathKind::directory;
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

void make_dirs(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos == dir.size() || dir[pos] == '/') {
      std::string part = dir.substr(0, pos);
      if (::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
        throw StoreError(part + ": cannot create directory: " + std::strerror(errno));
    }
  }
}

void make_private_dir(const std::string& dir) {
  // Create each missing component; only the last one must be private.
  make_dirs(dir);
  check_private(dir, PathKind::directory);
}

void make_private_file(const std::string& path) {
  // An existing file the user made read-only (u-w) is opened, not written: even for root.
  bool read_only = is_read_only(path);
  int fd = ::open(path.c_str(), (read_only ? O_RDONLY : O_RDWR | O_CREAT) | O_NOFOLLOW | O_CLOEXEC,
                  0600);
  if (fd < 0)
    throw StoreError(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  bool fresh = ::fstat(fd, &st) == 0 && st.st_size == 0;
  if (fresh)
    ::fchmod(fd, 0600);
  ::close(fd);
  check_private(path, PathKind::file);
}

} // namespace oauthlink::store
