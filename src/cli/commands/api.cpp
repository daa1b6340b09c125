// SPDX-License-Identifier: MIT
// `oauthlink api CRED PATH`: one request to the provider's API with the credential's token
// (api_base_url from the catalog, per-credential {placeholders} filled), refreshing once
// and retrying once on a 401 (SECURITY.md F1). Prints the body; -i adds status and headers.
#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "error.hpp"
#include "flow/authorize_url.hpp"
#include "flow/lifecycle.hpp"

#include <unistd.h>

#include <cctype>
#include <fstream>
#include <iostream>
#include <sstream>

namespace oauthlink::cli {

namespace {

struct ApiOptions {
  std::string id;
  std::string path;
  std::string method;
  std::vector<std::string> headers;
  std::optional<std::string> data;
  bool include = false;
};

// -d @FILE reads a file, -d @- stdin, anything else is the body itself (as curl does).
std::string body_of(const std::string& data) {
  if (data.empty() || data[0] != '@')
    return data;
  constexpr size_t k_limit = 64 * 1024 * 1024;
  if (data == "@-")
    return read_bounded(std::cin, k_limit, "-d");
  std::ifstream in(data.substr(1), std::ios::binary);
  if (!in)
    throw UsageError("-d: cannot read " + data.substr(1));
  return read_bounded(in, k_limit, "-d");
}

flow::HttpRequest build_request(const ApiOptions& o, const std::string& url,
                                const std::string& body, const flow::TokenSet& tokens) {
  flow::HttpRequest request;
  request.url = url;
  request.method = !o.method.empty() ? o.method : o.data ? "POST" : "GET";
  bool accept = false;
  bool content_type = false;
  for (const auto& text : o.headers) {
    auto header = flow::parse_header_arg(text);
    accept = accept || flow::find_header({header}, "Accept").has_value();
    content_type = content_type || flow::find_header({header}, "Content-Type").has_value();
    request.headers.push_back(std::move(header));
  }
  if (!accept)
    request.headers.emplace_back("Accept", "application/json");
  if (o.data) {
    request.body = body;
    bool json = !body.empty() && (body[0] == '{' || body[0] == '[');
    if (!content_type)
      request.headers.emplace_back("Content-Type",
                                   json ? "application/json" : "application/x-www-form-urlencoded");
  }
  request.headers.emplace_back("Authorization", flow::authorization_value(tokens));
  return request;
}

void run_api(AppContext& ctx, const ApiOptions& o) {
  for (char c : o.method)
    if (!std::isupper(static_cast<unsigned char>(c)))
      throw UsageError("-X: the method must be upper-case letters (GET, POST, …)");
  std::string body = o.data ? body_of(*o.data) : "";
  flow::Credential c = refresh_if_needed(ctx, o.id, std::nullopt, RefreshMode::when_needed);
  net::CurlHttpClient http(curl_options(ctx));
  ResolvedApp resolved = resolve_app(ctx, http, c.app_id, {});
  std::string url = flow::api_url(resolved.provider, resolved.app, c, o.path);
  flow::require_secure_url(url, "API URL");
  flow::HttpResponse response = http.send(build_request(o, url, body, c.tokens));
  if (response.status == 401) {
    // The token may have been revoked or expired early: one refresh, one retry (F1).
    c = refresh_if_needed(ctx, o.id, std::nullopt, RefreshMode::always);
    response = http.send(build_request(o, url, body, c.tokens));
  }
  if (o.include) {
    std::cout << "HTTP " << response.status << "\r\n";
    for (const auto& [name, value] : response.headers)
      std::cout << name << ": " << value << "\r\n";
    std::cout << "\r\n";
  }
  std::cout << response.body;
  if (!response.body.empty() && response.body.back() != '\n' && isatty(STDOUT_FILENO))
    std::cout << '\n';
  std::cout.flush();
  std::string where = flow::url_without_query(url);
  if (response.status == 401)
    throw LoginRequired(where
                        + " rejected the token after a refresh (HTTP 401); run "
                          "'oauthlink connect "
                        + c.app_id + "' again");
  if (response.status < 200 || response.status >= 300)
    throw Error(where + " answered HTTP " + std::to_string(response.status));
}

} // namespace

void register_api(CLI::App& root, AppContext& ctx) {
  auto o = std::make_shared<ApiOptions>();
  auto* cmd = root.add_subcommand(
      "api", "Send one request to the provider's API with the credential's token");
  cmd->add_option("CRED", o->id, "Credential id (cred_…)")->required();
  cmd->add_option("PATH", o->path, "Path under the provider's API base URL (or a URL under it)")
      ->required();
  cmd->add_option("-X,--method", o->method, "HTTP method (default GET, or POST with -d)");
  cmd->add_option("-H,--header", o->headers, "Extra header 'Name: value' (repeatable)");
  cmd->add_option("-d,--data", o->data, "Request body; @FILE reads a file, @- stdin");
  cmd->add_flag("-i,--include", o->include, "Print the status line and headers first");
  cmd->callback([&ctx, o] { run_api(ctx, *o); });
}

} // namespace oauthlink::cli
