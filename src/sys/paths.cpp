// SPDX-License-Identifier: MIT
#include "sys/paths.hpp"

#include "error.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace oauthlink::sys {

namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string home() {
  std::string h = env("HOME");
  if (h.empty())
    throw UsageError("HOME is not set; give --home DIR");
  return h;
}

std::string exe_dir() {
  char buffer[4096];
  ssize_t n = readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  if (n <= 0)
    return "";
  std::string path(buffer, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

} // namespace

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string data_dir(const std::string& flag) {
  if (!flag.empty())
    return flag;
  if (auto h = env("OAUTHLINK_HOME"); !h.empty())
    return h;
  if (auto x = env("XDG_DATA_HOME"); !x.empty())
    return x + "/oauthlink";
  return home() + "/.local/share/oauthlink";
}

std::string config_dir() {
  if (auto x = env("XDG_CONFIG_HOME"); !x.empty())
    return x + "/oauthlink";
  if (auto h = env("HOME"); !h.empty())
    return h + "/.config/oauthlink";
  return "";
}

std::string catalog_path(const std::string& flag, const std::string& compiled_datadir) {
  if (!flag.empty())
    return flag;
  if (auto c = env("OAUTHLINK_CATALOG"); !c.empty())
    return c;
  std::string dir = exe_dir();
  for (const std::string& candidate :
       {dir + "/../share/oauthlink/providers.toml", dir + "/../share/providers.toml",
        dir + "/../../share/providers.toml", compiled_datadir + "/providers.toml"}) {
    if (file_exists(candidate))
      return candidate;
  }
  throw CatalogError("cannot find providers.toml; give --catalog FILE or set OAUTHLINK_CATALOG");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error(path + ": " + std::strerror(errno));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

} // namespace oauthlink::sys
