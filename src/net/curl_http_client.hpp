// SPDX-License-Identifier: MIT
// flow::HttpClient over libcurl. Does I/O. TLS is always verified; redirects are never
// followed; plain http only to loopback hosts; answers over 1 MiB are refused.
#pragma once

#include "flow/interfaces.hpp"

#include <functional>
#include <string>

namespace oauthlink::net {

struct CurlOptions {
  long connect_timeout_seconds = 10;
  long total_timeout_seconds = 30;
  std::string ca_file;                 // "" = system default (or SSL_CERT_FILE)
  size_t max_response_bytes = 1 << 20; // SECURITY.md D7
  // Called with a redacted description of each request and answer (--verbose).
  std::function<void(const std::string&)> log;
  // Called with true before each request and false after it (a spinner on terminals).
  std::function<void(bool)> activity;
};

class CurlHttpClient : public flow::HttpClient {
public:
  explicit CurlHttpClient(CurlOptions options = {});
  // Throws NetworkError for no answer (DNS, connect, TLS, timeout, size cap) and for a
  // plain-http URL to a host that is not loopback.
  flow::HttpResponse send(const flow::HttpRequest& request) override;

private:
  CurlOptions m_options;
};

// Loads libcurl and runs curl_global_init, once; send() does it on first use, so a
// command that makes no request never loads libcurl. Throws NetworkError if it cannot.
void init_http();

} // namespace oauthlink::net
