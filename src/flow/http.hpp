// SPDX-License-Identifier: MIT
// Plain HTTP values exchanged between the pure flow and the I/O adapters. No I/O here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oauthlink::flow {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive header lookup; the first match wins.
std::optional<std::string> find_header(const Headers& headers, std::string_view name);

// An outgoing request (to a provider).
struct HttpRequest {
  std::string method = "GET";
  std::string url;
  Headers headers;
  std::string body;
};

// The answer to an outgoing request: any status is a response.
struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

// A request received by one of our servers (loopback callback, sandbox, broker).
struct ServerRequest {
  std::string method;
  std::string path;  // decoded by nothing: exactly as sent, without the query
  std::string query; // raw query string, without '?'
  Headers headers;
  std::string body;
  std::string remote_addr;
};

// What a server handler answers.
struct ServerReply {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  Headers headers;
  std::string body;
};

} // namespace oauthlink::flow
