// SPDX-License-Identifier: MIT
// HTML escaping and the small result pages our servers show a browser. Pure.
#pragma once

#include "flow/http.hpp"

#include <string>
#include <string_view>

namespace oauthlink::flow {

std::string html_escape(std::string_view text);

// A self-contained page (no third-party resources) with the headers of SECURITY.md B8:
// Cache-Control: no-store, Referrer-Policy: no-referrer, a strict CSP. Title and message
// are escaped here.
ServerReply html_page(int status, std::string_view title, std::string_view message);

// Same, with a body fragment that is already HTML (callers escape its parts).
ServerReply html_page_raw(int status, std::string_view title, std::string_view body_html);

} // namespace oauthlink::flow
