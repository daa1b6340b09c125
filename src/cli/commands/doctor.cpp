// SPDX-License-Identifier: MIT
// `oauthlink doctor [APP_ID]`: checks what commonly breaks a flow and says what to do.
#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "error.hpp"
#include "flow/redirect.hpp"
#include "net/http_server.hpp"
#include "sys/paths.hpp"

#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdlib>
#include <ctime>
#include <iostream>
#include <netdb.h>

namespace oauthlink::cli {

using nlohmann::json;

namespace {

struct Finding {
  std::string check;
  std::string status; // ok, warn, fail
  std::string detail;
  std::string advice;
};

std::string localhost_families() {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  if (getaddrinfo("localhost", nullptr, &hints, &list) != 0)
    return "";
  bool v4 = false, v6 = false;
  for (addrinfo* a = list; a; a = a->ai_next) {
    v4 = v4 || a->ai_family == AF_INET;
    v6 = v6 || a->ai_family == AF_INET6;
  }
  freeaddrinfo(list);
  return std::string(v4 ? "IPv4" : "") + (v4 && v6 ? " and " : "") + (v6 ? "IPv6" : "");
}

// Seconds between the provider's Date header and ours, if it sent one.
std::optional<int64_t> clock_skew(const flow::HttpResponse& response) {
  auto date = flow::find_header(response.headers, "Date");
  if (!date)
    return std::nullopt;
  std::tm tm{};
  if (!strptime(date->c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm))
    return std::nullopt;
  return static_cast<int64_t>(std::time(nullptr)) - static_cast<int64_t>(timegm(&tm));
}

std::vector<Finding> diagnose(AppContext& ctx, const std::string& app_id) {
  std::vector<Finding> out;
  // The store and its permissions.
  try {
    auto& store = ctx.store();
    store.check_writable();
    out.push_back({"store", "ok", store.path() + " (0600, directory 0700, writable)", ""});
  } catch (const Error& e) {
    out.push_back({"store", "fail", e.what(), "fix the permissions as the message says"});
    return out;
  }
  try {
    out.push_back(
        {"catalog", "ok",
         ctx.catalog_source() + ": " + std::to_string(ctx.catalog().all().size()) + " providers",
         ""});
  } catch (const Error& e) {
    out.push_back({"catalog", "fail", e.what(), "run 'oauthlink providers check FILE'"});
  }
  std::string families = localhost_families();
  out.push_back({"localhost", families.find("IPv6") != std::string::npos ? "warn" : "ok",
                 "localhost resolves to " + (families.empty() ? "nothing" : families),
                 families.find("IPv6") != std::string::npos
                     ? "register redirect URIs with 127.0.0.1, not localhost: a browser may "
                       "try ::1 first (RFC 8252 §8.3)"
                     : ""});
  for (const char* name : {"https_proxy", "HTTPS_PROXY", "http_proxy", "no_proxy"})
    if (const char* v = std::getenv(name); v && *v)
      out.push_back({"proxy", "ok", std::string(name) + " is set (used for provider calls)",
                     "loopback addresses should be in no_proxy"});
  if (!ctx.options.ca_file.empty() || std::getenv("SSL_CERT_FILE"))
    out.push_back({"ca", "ok",
                   "CA file: "
                       + (ctx.options.ca_file.empty() ? std::string(std::getenv("SSL_CERT_FILE"))
                                                      : ctx.options.ca_file),
                   ""});
  if (app_id.empty())
    return out;

  net::CurlHttpClient http(curl_options(ctx));
  ResolvedApp resolved;
  try {
    resolved = resolve_app(ctx, http, app_id, {});
    out.push_back(
        {"app", "ok",
         app_id + ": " + resolved.provider.name + ", token endpoint " + resolved.provider.token_url,
         ""});
  } catch (const Error& e) {
    out.push_back({"app", "fail", e.what(),
                   "check the app id, the issuer and the network (see the message)"});
    return out;
  }
  std::vector<std::string> notes;
  try {
    auto plan =
        flow::plan_loopback("", ctx.store().list_redirects(), resolved.provider.slug, notes);
    net::HttpServer probe;
    int port = probe.bind(plan.bind_host, plan.port);
    out.push_back({"redirect", "ok",
                   "connect will send redirect_uri " + plan.uri(port)
                       + (plan.port == 0 ? " (an ephemeral port each time)" : ""),
                   plan.port == 0 ? "register http://" + plan.host_for_uri + plan.path
                                        + " at the provider (loopback: any port)"
                                  : "this exact URI must be registered at the provider"});
  } catch (const Error& e) {
    out.push_back({"redirect", "fail", e.what(), "free the port or register another redirect URI"});
  }
  try {
    auto response = http.send({"GET", resolved.provider.token_url, {}, ""});
    out.push_back(
        {"reachable", "ok", "token endpoint answered HTTP " + std::to_string(response.status), ""});
    if (auto skew = clock_skew(response)) {
      bool bad = *skew > 60 || *skew < -60;
      out.push_back({"clock", bad ? "warn" : "ok",
                     "this clock is " + std::to_string(*skew) + " s off the provider's",
                     bad ? "fix the system clock (NTP): token expiry is computed from it" : ""});
    }
  } catch (const Error& e) {
    out.push_back({"reachable", "fail", e.what(), "check the network, proxy and CA settings"});
  }
  return out;
}

} // namespace

void register_doctor(CLI::App& root, AppContext& ctx) {
  struct DoctorOptions {
    std::string app_id;
    bool json = false;
  };
  auto o = std::make_shared<DoctorOptions>();
  auto* cmd = root.add_subcommand("doctor", "Check the store, catalog, network and an app's "
                                            "redirect URI, and say what to fix");
  cmd->add_option("APP_ID", o->app_id, "Also check this app (app_…)");
  cmd->add_flag("--json", o->json, "Print the findings as JSON");
  cmd->callback([&ctx, o] {
    auto findings = diagnose(ctx, o->app_id);
    bool failed = false;
    json out = json::array();
    for (const auto& f : findings) {
      failed = failed || f.status == "fail";
      out.push_back(
          {{"check", f.check}, {"status", f.status}, {"detail", f.detail}, {"advice", f.advice}});
      if (!o->json) {
        std::cout << (f.status == "ok"     ? "ok    "
                      : f.status == "warn" ? "warn  "
                                           : "FAIL  ")
                  << f.check << ": " << terminal_safe(f.detail) << '\n';
        if (!f.advice.empty())
          std::cout << "      -> " << f.advice << '\n';
      }
    }
    if (o->json)
      print_json(out);
    if (failed)
      throw Error("doctor found problems");
  });
}

} // namespace oauthlink::cli
