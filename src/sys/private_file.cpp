// SPDX-License-Identifier: MIT
#include "sys/private_file.hpp"

#include "error.hpp"
#include "sys/random.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace oauthlink::sys {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw Error(path + ": " + what + ": " + std::strerror(errno));
}

// mkdir -p with 0700 for the directories it creates.
void make_dirs(const std::string& dir) {
  if (dir.empty() || ::access(dir.c_str(), F_OK) == 0)
    return;
  auto slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0)
    make_dirs(dir.substr(0, slash));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    fail(dir, "cannot create the directory");
}

} // namespace

void write_private_file(const std::string& path, const std::string& text) {
  auto slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  make_dirs(dir);
  std::string temp = path + ".tmp-" + random_urlsafe(12);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    fail(temp, "cannot create");
  bool ok = ::fchmod(fd, 0600) == 0;
  for (size_t done = 0; ok && done < text.size();) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    ok = n > 0;
    done += ok ? static_cast<size_t>(n) : 0;
  }
  ok = ok && ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    saved = ok ? errno : saved;
    ::unlink(temp.c_str());
    errno = saved;
    fail(path, "cannot write");
  }
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

} // namespace oauthlink::sys
