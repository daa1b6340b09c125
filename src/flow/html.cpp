// SPDX-License-Identifier: MIT
#include "flow/html.hpp"

namespace oauthlink::flow {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

ServerReply html_page_raw(int status, std::string_view title, std::string_view body_html) {
  ServerReply reply;
  reply.status = status;
  reply.content_type = "text/html; charset=utf-8";
  reply.headers = {
      {"Cache-Control", "no-store"},
      {"Pragma", "no-cache"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Content-Type-Options", "nosniff"},
      {"X-Frame-Options", "DENY"},
      {"Content-Security-Policy",
       "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"},
  };
  std::string page = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width\">"
                     "<title>";
  page += html_escape(title);
  page += "</title><style>body{font:16px system-ui,sans-serif;max-width:36em;margin:4em auto;"
          "padding:0 1em;color:#222}h1{font-size:1.4em}code{background:#eee;padding:0 .2em}"
          "</style></head><body><h1>";
  page += html_escape(title);
  page += "</h1>\n";
  page += body_html;
  page += "\n</body></html>\n";
  reply.body = std::move(page);
  return reply;
}

ServerReply html_page(int status, std::string_view title, std::string_view message) {
  return html_page_raw(status, title, "<p>" + html_escape(message) + "</p>");
}

} // namespace oauthlink::flow
