// SPDX-License-Identifier: MIT
#include "flow/server_support.hpp"

#include "flow/html.hpp"

#include <algorithm>
#include <cstdint>

namespace oauthlink::flow {

using json = nlohmann::json;

namespace {

constexpr size_t k_max_redirect_uri = 2048;

int sextet(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

// Strict standard base64 with padding, as RFC 7617 Basic credentials use; non-canonical
// trailing bits are rejected.
std::optional<std::string> decode_base64(std::string_view text) {
  if (text.size() % 4 != 0)
    return std::nullopt;
  size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=')
    ++pad;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text.substr(0, text.size() - pad)) {
    int value = sextet(c);
    if (value < 0)
      return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFFu);
    }
  }
  if ((acc & ((1u << bits) - 1u)) != 0)
    return std::nullopt;
  return out;
}

} // namespace

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size()
         && std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
              return std::tolower(static_cast<unsigned char>(a))
                     == std::tolower(static_cast<unsigned char>(b));
            });
}

// The credentials after an auth scheme ("Basic xyz" -> "xyz"), matched case-insensitively
// (RFC 7235 §2.1).
std::optional<std::string_view> auth_credentials(std::string_view header, std::string_view scheme) {
  if (!iequals_prefix(header, scheme) || header.size() <= scheme.size()
      || header[scheme.size()] != ' ')
    return std::nullopt;
  header.remove_prefix(scheme.size());
  while (!header.empty() && header.front() == ' ')
    header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ')
    header.remove_suffix(1);
  return header;
}

// RFC 6749 §2.3.1: Basic credentials are form-encoded before base64.
std::optional<std::pair<std::string, std::string>> parse_basic(std::string_view header) {
  auto encoded = auth_credentials(header, "Basic");
  if (!encoded)
    return std::nullopt;
  auto decoded = decode_base64(*encoded);
  if (!decoded)
    return std::nullopt;
  auto colon = decoded->find(':');
  if (colon == std::string::npos)
    return std::nullopt;
  auto id = percent_decode(std::string_view(*decoded).substr(0, colon), PlusAsSpace::yes);
  auto secret = percent_decode(std::string_view(*decoded).substr(colon + 1), PlusAsSpace::yes);
  if (!id || !secret)
    return std::nullopt;
  return std::pair{std::move(*id), std::move(*secret)};
}

// RFC 6749 §3.1: parameters must not be sent more than once.
bool has_duplicate(const Params& params, std::initializer_list<std::string_view> names) {
  for (auto name : names) {
    auto count = std::count_if(params.begin(), params.end(),
                               [&](const auto& param) { return param.first == name; });
    if (count > 1)
      return true;
  }
  return false;
}

// No registration list: any port on loopback (RFC 8252 §7.3). Only printable ASCII, so the
// Location header cannot be split, and no fragment (RFC 6749 §3.1.2).
std::optional<Url> acceptable_redirect(std::string_view uri) {
  if (uri.empty() || uri.size() > k_max_redirect_uri)
    return std::nullopt;
  for (char ch : uri) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x21 || c > 0x7E || c == '\\' || c == '#')
      return std::nullopt;
  }
  auto url = parse_url(uri);
  if (!url)
    return std::nullopt;
  if (url->scheme == "https")
    return url;
  if (url->host == "127.0.0.1" || url->host == "::1" || url->host == "localhost")
    return url;
  return std::nullopt;
}

bool is_valid_challenge(std::string_view challenge) {
  return challenge.size() == 43 && std::all_of(challenge.begin(), challenge.end(), [](char c) {
           return (sextet(c) >= 0 && c != '+' && c != '/') || c == '-' || c == '_';
         });
}

ServerReply json_reply(int status, const json& body) {
  ServerReply reply;
  reply.status = status;
  reply.content_type = "application/json";
  reply.headers = {{"Cache-Control", "no-store"}, {"Pragma", "no-cache"}};
  reply.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return reply;
}

ServerReply oauth_error(std::string_view error, std::string_view description, int status) {
  return json_reply(status, {{"error", error}, {"error_description", description}});
}

ServerReply redirect_to(std::string location) {
  ServerReply reply;
  reply.status = 302;
  reply.headers = {{"Location", std::move(location)},
                   {"Cache-Control", "no-store"},
                   {"Referrer-Policy", "no-referrer"}};
  return reply;
}

ServerReply method_not_allowed(std::string_view allow) {
  auto reply = html_page(405, "Method not allowed", "This endpoint does not accept that method.");
  reply.headers.emplace_back("Allow", std::string(allow));
  return reply;
}

} // namespace oauthlink::flow
