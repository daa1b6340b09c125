// SPDX-License-Identifier: MIT
#include "flow/redirect.hpp"

#include "error.hpp"
#include "flow/url.hpp"
#include "providers/catalog.hpp"

namespace oauthlink::flow {

namespace {
const std::string k_token = ":provider";

bool is_ip_loopback(const std::string& host) {
  return host == "::1" || host.rfind("127.", 0) == 0;
}
} // namespace

std::optional<std::string> check_redirect_template(const std::string& uri) {
  if (has_control_char(uri) || uri.find(' ') != std::string::npos)
    return "must not contain spaces or control characters";
  auto parsed = parse_url(substitute_provider(uri, "provider"));
  if (!parsed)
    return "'" + uri + "' is not an absolute http(s) URL without user info";
  if (uri.find('#') != std::string::npos)
    return "must not contain a fragment (RFC 6749 §3.1.2)";
  if (parsed->scheme == "http" && !is_loopback_host(parsed->host))
    return "plain http is allowed only to loopback hosts (127.0.0.1, [::1], localhost)";
  auto scheme_end = uri.find("://");
  auto path_start = uri.find('/', scheme_end + 3);
  auto token = uri.find(k_token);
  if (token != std::string::npos && (path_start == std::string::npos || token < path_start))
    return "':provider' may appear only in the path or query";
  return std::nullopt;
}

std::string substitute_provider(const std::string& uri_template, const std::string& slug) {
  if (!providers::is_valid_slug(slug))
    throw UsageError("provider slug must match [a-z0-9-]{1,32}");
  std::string out = uri_template;
  for (size_t pos = out.find(k_token); pos != std::string::npos;
       pos = out.find(k_token, pos + slug.size()))
    out.replace(pos, k_token.size(), slug);
  return out;
}

bool redirect_matches(const std::string& registered_template, const std::string& slug,
                      const std::string& requested) {
  if (!providers::is_valid_slug(slug))
    return false;
  std::string registered = substitute_provider(registered_template, slug);
  if (registered == requested)
    return true;
  auto a = parse_url(registered);
  auto b = parse_url(requested);
  if (!a || !b || a->scheme != "http" || b->scheme != "http" || !is_ip_loopback(a->host))
    return false;
  if (a->explicit_port)
    return false;
  // Rebuild requested without its port and compare the strings exactly (no normalisation).
  std::string host = a->host == "::1" ? "[::1]" : a->host;
  std::string prefix = "http://" + host + ":" + std::to_string(b->port);
  if (requested.rfind(prefix, 0) != 0 || !b->explicit_port)
    return false;
  return "http://" + host + requested.substr(prefix.size()) == registered;
}

std::string LoopbackPlan::uri(int bound_port) const {
  std::string out = "http://" + host_for_uri + ":" + std::to_string(bound_port) + path;
  if (!query.empty())
    out += "?" + query;
  return out;
}

std::vector<std::string> LoopbackPlan::allowed_hosts(int bound_port) const {
  std::string p = std::to_string(bound_port);
  std::vector<std::string> hosts = {host_for_uri + ":" + p};
  // A registered 'localhost' URI is served on 127.0.0.1: a browser may use either name.
  if (host_for_uri == "localhost")
    hosts.push_back("127.0.0.1:" + p);
  return hosts;
}

namespace {

LoopbackPlan plan_from_uri(const std::string& uri) {
  auto url = parse_url(uri);
  if (!url || url->scheme != "http" || !is_loopback_host(url->host))
    throw UsageError("redirect URI '" + uri
                     + "' is not an http loopback URI; connect can listen only on 127.0.0.1, "
                       "[::1] or localhost");
  LoopbackPlan plan;
  plan.host_for_uri = url->host == "::1" ? "[::1]" : url->host;
  plan.bind_host = url->host == "::1" ? "::1" : "127.0.0.1";
  plan.port = url->explicit_port ? url->port : 0;
  plan.path = url->path;
  plan.query = url->query;
  return plan;
}

} // namespace

LoopbackPlan plan_loopback(const std::string& requested, const std::vector<std::string>& registered,
                           const std::string& slug, std::vector<std::string>& notes) {
  if (!requested.empty()) {
    LoopbackPlan plan = plan_from_uri(requested);
    // Only registered loopback URIs constrain connect; https ones are for the broker.
    std::vector<std::string> loopback;
    for (const auto& r : registered) {
      auto url = parse_url(substitute_provider(r, slug));
      if (url && url->scheme == "http" && is_loopback_host(url->host))
        loopback.push_back(r);
    }
    if (!loopback.empty()) {
      bool ok = false;
      for (const auto& r : loopback)
        ok = ok || redirect_matches(r, slug, requested);
      if (!ok)
        throw UsageError("--redirect-uri '" + requested
                         + "' is not among the registered redirect URIs (see 'oauthlink "
                           "redirects list')");
    }
    return plan;
  }
  for (const auto& r : registered) {
    std::string uri = substitute_provider(r, slug);
    auto url = parse_url(uri);
    if (url && url->scheme == "http" && is_loopback_host(url->host)) {
      LoopbackPlan plan = plan_from_uri(uri);
      if (url->host == "localhost")
        notes.push_back("the redirect URI uses 'localhost'; listening on 127.0.0.1 (RFC 8252 "
                        "§8.3 recommends the IP literal)");
      return plan;
    }
  }
  LoopbackPlan plan;
  plan.bind_host = "127.0.0.1";
  plan.host_for_uri = "127.0.0.1";
  plan.port = 0;
  plan.path = "/callback/" + slug;
  std::string why = registered.empty() ? "no redirect URI registered"
                                       : "none of the " + std::to_string(registered.size())
                                             + " registered redirect URIs is an http loopback URI";
  notes.push_back(why + "; listening on 127.0.0.1, an ephemeral port, path " + plan.path
                  + " (RFC 8252 loopback redirect)");
  return plan;
}

} // namespace oauthlink::flow
