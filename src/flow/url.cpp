// SPDX-License-Identifier: MIT
#include "flow/url.hpp"

#include "flow/http.hpp"

#include <algorithm>
#include <charconv>

namespace oauthlink::flow {

namespace {

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
         || c == '.' || c == '_' || c == '~';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::string to_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

} // namespace

bool is_unreserved_text(std::string_view text) {
  for (char c : text)
    if (!is_unreserved(static_cast<unsigned char>(c)))
      return false;
  return true;
}

std::optional<std::string> find_header(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size()
        && std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a))
                    == std::tolower(static_cast<unsigned char>(b));
           }))
      return value;
  }
  return std::nullopt;
}

std::string percent_encode(std::string_view text) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c)) {
      out += ch;
    } else {
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 0xF];
    }
  }
  return out;
}

std::optional<std::string> percent_decode(std::string_view text, PlusAsSpace plus) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size())
        return std::nullopt;
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0)
        return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus == PlusAsSpace::yes) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string form_encode(const Params& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty())
      out += '&';
    out += percent_encode(key);
    out += '=';
    out += percent_encode(value);
  }
  return out;
}

std::optional<Params> parse_form(std::string_view body) {
  Params params;
  size_t pos = 0;
  while (pos <= body.size()) {
    size_t amp = body.find('&', pos);
    if (amp == std::string_view::npos)
      amp = body.size();
    std::string_view pair = body.substr(pos, amp - pos);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      auto key = percent_decode(pair.substr(0, eq), PlusAsSpace::yes);
      auto value =
          percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1),
                         PlusAsSpace::yes);
      if (!key || !value)
        return std::nullopt;
      params.emplace_back(std::move(*key), std::move(*value));
    }
    pos = amp + 1;
  }
  return params;
}

std::optional<std::string> find_param(const Params& params, std::string_view name) {
  for (const auto& [key, value] : params)
    if (key == name)
      return value;
  return std::nullopt;
}

std::string append_query(std::string_view url, const Params& params) {
  std::string out(url);
  std::string fragment;
  if (auto hash = out.find('#'); hash != std::string::npos) {
    fragment = out.substr(hash);
    out.resize(hash);
  }
  if (!params.empty()) {
    if (out.find('?') == std::string::npos)
      out += '?';
    else if (out.back() != '?' && out.back() != '&')
      out += '&';
    out += form_encode(params);
  }
  return out + fragment;
}

std::optional<Url> parse_url(std::string_view text) {
  Url url;
  auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos)
    return std::nullopt;
  url.scheme = to_lower(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https")
    return std::nullopt;
  std::string_view rest = text.substr(scheme_end + 3);
  if (auto hash = rest.find('#'); hash != std::string_view::npos)
    rest = rest.substr(0, hash);
  size_t authority_end = rest.find_first_of("/?");
  std::string_view auth = rest.substr(0, authority_end);
  std::string_view tail =
      authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);
  if (auth.empty() || auth.find('@') != std::string_view::npos)
    return std::nullopt;
  std::string_view port_text;
  if (auth.front() == '[') {
    auto close = auth.find(']');
    if (close == std::string_view::npos)
      return std::nullopt;
    url.host = to_lower(auth.substr(1, close - 1));
    std::string_view after = auth.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return std::nullopt;
      port_text = after.substr(1);
      url.explicit_port = true;
    }
  } else {
    auto colon = auth.find(':');
    url.host = to_lower(auth.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = auth.substr(colon + 1);
      url.explicit_port = true;
    }
  }
  if (url.host.empty())
    return std::nullopt;
  for (char c : url.host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':'
          || c == '_'))
      return std::nullopt;
  if (url.explicit_port) {
    int port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc{} || ptr != port_text.data() + port_text.size()
        || port < 0 || port > 65535)
      return std::nullopt;
    url.port = port;
  } else {
    url.port = url.scheme == "https" ? 443 : 80;
  }
  auto q = tail.find('?');
  url.path = std::string(tail.substr(0, q));
  if (url.path.empty())
    url.path = "/";
  if (q != std::string_view::npos)
    url.query = std::string(tail.substr(q + 1));
  return url;
}

std::string authority(const Url& url) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  if (url.explicit_port)
    host += ":" + std::to_string(url.port);
  return host;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "[::1]")
    return true;
  // 127.0.0.0/8 as a dotted quad.
  if (host.substr(0, 4) != "127.")
    return false;
  int parts = 0;
  size_t pos = 0;
  while (pos <= host.size()) {
    size_t dot = host.find('.', pos);
    if (dot == std::string_view::npos)
      dot = host.size();
    std::string_view part = host.substr(pos, dot - pos);
    int value = -1;
    auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || part.size() > 3 || ec != std::errc{} || ptr != part.data() + part.size()
        || value > 255)
      return false;
    ++parts;
    pos = dot + 1;
  }
  return parts == 4;
}

bool has_control_char(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

} // namespace oauthlink::flow
