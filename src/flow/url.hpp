// SPDX-License-Identifier: MIT
// URL and form encoding helpers (RFC 3986, WHATWG form rules). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace oauthlink::flow {

using Params = std::vector<std::pair<std::string, std::string>>;

// Percent-encodes everything but RFC 3986 unreserved characters.
std::string percent_encode(std::string_view text);

// Decodes %XX escapes; with FormRules::yes also '+' -> space. Returns nullopt on a
// malformed escape (e.g. "%E0%A4%A").
enum class PlusAsSpace { no, yes };
std::optional<std::string> percent_decode(std::string_view text, PlusAsSpace plus);

// application/x-www-form-urlencoded: encode and parse. Parsing returns nullopt on a
// malformed escape.
std::string form_encode(const Params& params);
std::optional<Params> parse_form(std::string_view body);

// First value of `name` in params.
std::optional<std::string> find_param(const Params& params, std::string_view name);

// Appends params to a URL, keeping any query it already has (RFC 6749 §3.1).
std::string append_query(std::string_view url, const Params& params);

struct Url {
  std::string scheme; // lower case
  std::string host;   // lower case; IPv6 without brackets
  int port = 0;       // explicit or the scheme's default
  bool explicit_port = false;
  std::string path;  // "/" when empty
  std::string query; // without '?'
};

// Parses absolute http(s) URLs; nullopt for anything else (userinfo is rejected).
std::optional<Url> parse_url(std::string_view text);

// host[:port] as it appears in a URL authority / Host header ("[::1]:8080").
std::string authority(const Url& url);

// True if every character is RFC 3986 unreserved: [A-Za-z0-9-._~].
bool is_unreserved_text(std::string_view text);

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(std::string_view host);
// True if text holds a C0 control character or DEL (CR, LF and NUL among them): such a
// value would split an HTTP header, an environment variable or a terminal line.
bool has_control_char(std::string_view text);

} // namespace oauthlink::flow
