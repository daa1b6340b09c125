// SPDX-License-Identifier: MIT
// The error hierarchy. Each kind maps to one documented exit code; only main() catches.
#pragma once

#include <stdexcept>
#include <string>

namespace oauthlink {

// Exit codes, documented in man/oauthlink.1.
enum class ExitCode : int {
  ok = 0,
  failure = 1,
  usage = 2,
  provider = 3, // the provider refused or the user denied
  login = 4,    // needs an interactive login (no refresh possible)
  timeout = 5,  // no callback before the deadline
  network = 6,  // network or TLS failure
  config = 7,   // bad store or catalog
  internal = 70,
  interrupted = 130,
};

class Error : public std::runtime_error {
public:
  explicit Error(const std::string& what, ExitCode code = ExitCode::failure)
      : std::runtime_error(what),
        m_code(code) {}
  ExitCode code() const { return m_code; }

private:
  ExitCode m_code;
};

struct UsageError : Error {
  explicit UsageError(const std::string& what)
      : Error(what, ExitCode::usage) {}
};
struct CatalogError : Error {
  explicit CatalogError(const std::string& what)
      : Error(what, ExitCode::config) {}
};
struct StoreError : Error {
  explicit StoreError(const std::string& what)
      : Error(what, ExitCode::config) {}
};
struct NetworkError : Error {
  explicit NetworkError(const std::string& what)
      : Error(what, ExitCode::network) {}
};
// The provider answered with an OAuth error, or the user denied access.
struct ProviderError : Error {
  explicit ProviderError(const std::string& what)
      : Error(what, ExitCode::provider) {}
};
struct LoginRequired : Error {
  explicit LoginRequired(const std::string& what)
      : Error(what, ExitCode::login) {}
};
struct TimeoutError : Error {
  explicit TimeoutError(const std::string& what)
      : Error(what, ExitCode::timeout) {}
};
struct Interrupted : Error {
  explicit Interrupted(const std::string& what)
      : Error(what, ExitCode::interrupted) {}
};

} // namespace oauthlink
