// SPDX-License-Identifier: MIT
#include "providers/catalog.hpp"

#include "error.hpp"
#include "providers/template.hpp"
#include "providers/variants.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <map>
#include <set>

namespace oauthlink::providers {

namespace {

// "http://" + a loopback host (127.0.0.1, localhost, [::1]) + optional port, then the path.
// The whole host is compared, so "http://127.0.0.1.evil.example/" is not loopback.
bool is_loopback_http(const std::string& url) {
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0)
    return false;
  std::string rest = url.substr(scheme.size());
  std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  std::string host = authority;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  std::string port = authority.substr(host.size());
  if (!port.empty()
      && (port.front() != ':' || port.size() == 1
          || port.find_first_not_of("0123456789", 1) != std::string::npos))
    return false;
  return host == "127.0.0.1" || host == "localhost" || host == "[::1]";
}

// {placeholder} names: letters, digits and '_' (kept names such as cloudId or realmId).
bool is_placeholder_name(const std::string& name) {
  if (name.empty())
    return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

// Reads one provider table, naming file, line, provider and field in every error.
class EntryReader {
public:
  EntryReader(const std::string& source, const std::string& slug, const toml::table& table)
      : m_source(source),
        m_slug(slug),
        m_table(table) {}

  [[noreturn]] void fail(const toml::node* node, const std::string& field,
                         const std::string& problem) const {
    auto line = node ? node->source().begin.line : m_table.source().begin.line;
    // A key from a user overlay names its own file (Catalog::parse_layers).
    const auto& path = node ? node->source().path : nullptr;
    throw CatalogError((path ? *path : m_source) + ":" + std::to_string(line) + ": provider '"
                       + m_slug + "': " + field + ": " + problem);
  }

  void check_keys(const toml::table& table, const std::set<std::string>& allowed,
                  const std::string& prefix) const {
    for (const auto& [key, node] : table) {
      if (!allowed.count(std::string(key.str())))
        fail(&node, prefix + std::string(key.str()), "unknown field");
    }
  }

  std::string string(const toml::table& table, const std::string& key, const std::string& field,
                     bool required, const std::string& fallback = "") const {
    const toml::node* node = table.get(key);
    if (!node) {
      if (required)
        fail(nullptr, field, "missing string");
      return fallback;
    }
    if (!node->is_string())
      fail(node, field, "must be a string");
    return std::string(*node->value<std::string>());
  }

  bool boolean(const toml::table& table, const std::string& key, const std::string& field,
               bool fallback) const {
    const toml::node* node = table.get(key);
    if (!node)
      return fallback;
    if (!node->is_boolean())
      fail(node, field, "must be true or false");
    return *node->value<bool>();
  }

  std::optional<int64_t> integer(const toml::table& table, const std::string& key,
                                 const std::string& field) const {
    const toml::node* node = table.get(key);
    if (!node)
      return std::nullopt;
    if (!node->is_integer())
      fail(node, field, "must be an integer");
    int64_t value = *node->value<int64_t>();
    if (value <= 0)
      fail(node, field, "must be positive");
    return value;
  }

  std::vector<std::string> strings(const toml::table& table, const std::string& key,
                                   const std::string& field) const {
    std::vector<std::string> out;
    const toml::node* node = table.get(key);
    if (!node)
      return out;
    const toml::array* array = node->as_array();
    if (!array)
      fail(node, field, "must be an array of strings");
    for (const auto& item : *array) {
      if (!item.is_string())
        fail(&item, field, "must be an array of strings");
      out.emplace_back(*item.value<std::string>());
    }
    return out;
  }

  StringMap string_map(const toml::table& table, const std::string& key,
                       const std::string& field) const {
    StringMap out;
    const toml::node* node = table.get(key);
    if (!node)
      return out;
    const toml::table* inner = node->as_table();
    if (!inner)
      fail(node, field, "must be a table of strings");
    for (const auto& [name, value] : *inner) {
      if (!value.is_string())
        fail(&value, field + "." + std::string(name.str()), "must be a string");
      out[std::string(name.str())] = *value.value<std::string>();
    }
    return out;
  }

  template <typename Enum>
  Enum choice(const toml::table& table, const std::string& key, const std::string& field,
              const std::vector<std::pair<std::string, Enum>>& options, Enum fallback) const {
    const toml::node* node = table.get(key);
    if (!node)
      return fallback;
    if (!node->is_string())
      fail(node, field, "must be a string");
    std::string text(*node->value<std::string>());
    std::string names;
    for (const auto& [name, value] : options) {
      if (name == text)
        return value;
      names += (names.empty() ? "" : ", ") + name;
    }
    fail(node, field, "'" + text + "' is not one of " + names);
  }

  // authorize_params, without the ones the flow owns: a catalog can never turn the code
  // flow into another one (A8).
  StringMap authorize_params(const toml::table& table, const std::string& prefix) const {
    StringMap out = string_map(table, "authorize_params", prefix + "authorize_params");
    for (const auto& [key, value] : out) {
      (void)value;
      if (is_reserved_authorize_param(key))
        fail(table.get("authorize_params"), prefix + "authorize_params." + key,
             "is set by oauthlink and cannot be overridden");
    }
    return out;
  }

  // Endpoint URLs: https, or http to a loopback host (SECURITY.md A13).
  std::string url(const toml::table& table, const std::string& key, bool required,
                  const std::string& prefix = "") const {
    std::string value = string(table, key, prefix + key, required);
    if (value.empty())
      return value;
    bool https = value.rfind("https://", 0) == 0;
    bool loopback_http = is_loopback_http(value);
    // A URL that starts with a placeholder ("{instance_url}/...") is checked once filled.
    bool templated = value.rfind("{", 0) == 0;
    if (!https && !loopback_http && !templated)
      fail(table.get(key), prefix + key, "must be an https URL (plain http only to loopback)");
    return value;
  }

private:
  const std::string& m_source;
  const std::string& m_slug;
  const toml::table& m_table;
};

// [slug.environments.NAME]: a sandbox or demo variant of the entry's endpoints.
std::map<std::string, Environment> read_environments(const EntryReader& r,
                                                     const toml::table& table) {
  std::map<std::string, Environment> out;
  const toml::node* node = table.get("environments");
  if (!node)
    return out;
  const toml::table* environments = node->as_table();
  if (!environments)
    r.fail(node, "environments", "must be a table of environments");
  for (const auto& [key, value] : *environments) {
    std::string name(key.str());
    std::string field = "environments." + name;
    if (!is_valid_slug(name))
      r.fail(&value, field, "environment name must match [a-z0-9-]{1,32}");
    const toml::table* env = value.as_table();
    if (!env)
      r.fail(&value, field, "must be a table");
    r.check_keys(*env,
                 {"authorization_url", "token_url", "refresh_url", "revocation_url", "userinfo_url",
                  "device_authorization_url", "api_base_url", "issuer", "template_defaults",
                  "authorize_params"},
                 field + ".");
    Environment e;
    e.name = name;
    e.source_line = static_cast<int>(env->source().begin.line);
    e.authorization_url = r.url(*env, "authorization_url", false, field + ".");
    e.token_url = r.url(*env, "token_url", false, field + ".");
    e.refresh_url = r.url(*env, "refresh_url", false, field + ".");
    e.revocation_url = r.url(*env, "revocation_url", false, field + ".");
    e.userinfo_url = r.url(*env, "userinfo_url", false, field + ".");
    e.device_authorization_url = r.url(*env, "device_authorization_url", false, field + ".");
    e.api_base_url = r.url(*env, "api_base_url", false, field + ".");
    e.issuer = r.string(*env, "issuer", field + ".issuer", false);
    e.template_defaults = r.string_map(*env, "template_defaults", field + ".template_defaults");
    e.authorize_params = r.authorize_params(*env, field + ".");
    if (e.authorization_url.empty() && e.token_url.empty() && e.refresh_url.empty()
        && e.revocation_url.empty() && e.userinfo_url.empty() && e.device_authorization_url.empty()
        && e.api_base_url.empty() && e.issuer.empty() && e.template_defaults.empty()
        && e.authorize_params.empty())
      r.fail(&value, field, "sets nothing");
    out[name] = e;
  }
  return out;
}

// [[slug.post_authorization]]: requests sent with the new token whose answer gives
// values to keep (an account id, the API host).
std::vector<PostAuthRequest> read_post_authorization(const EntryReader& r,
                                                     const toml::table& table) {
  std::vector<PostAuthRequest> out;
  const toml::node* node = table.get("post_authorization");
  if (!node)
    return out;
  const toml::array* array = node->as_array();
  if (!array)
    r.fail(node, "post_authorization", "must be an array of tables ([[...post_authorization]])");
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    std::string field = "post_authorization[" + std::to_string(i) + "]";
    const toml::table* request = item.as_table();
    if (!request)
      r.fail(&item, field, "must be a table");
    r.check_keys(*request, {"method", "url", "auth_scheme", "headers", "keep", "required"},
                 field + ".");
    PostAuthRequest q;
    q.source_line = static_cast<int>(request->source().begin.line);
    q.method = r.string(*request, "method", field + ".method", false, "GET");
    if (q.method != "GET" && q.method != "POST")
      r.fail(request->get("method"), field + ".method", "must be \"GET\" or \"POST\"");
    if (!request->get("url")) // named at the request's own line, not the provider's
      r.fail(&item, field + ".url", "missing string");
    q.url = r.url(*request, "url", true, field + ".");
    q.auth_scheme = r.string(*request, "auth_scheme", field + ".auth_scheme", false, "Bearer");
    if (q.auth_scheme.empty() || q.auth_scheme.find_first_of(" \t\r\n") != std::string::npos)
      r.fail(request->get("auth_scheme"), field + ".auth_scheme", "must be one word");
    q.headers = r.string_map(*request, "headers", field + ".headers");
    for (const auto& [name, value] : q.headers) {
      (void)value;
      if (name == "Authorization" || name == "authorization")
        r.fail(request->get("headers"), field + ".headers." + name,
               "is set by oauthlink (use auth_scheme)");
    }
    StringMap keep = r.string_map(*request, "keep", field + ".keep");
    if (keep.empty())
      r.fail(request->get("keep") ? request->get("keep") : &item, field + ".keep",
             "must name at least one value to keep (name = \"json.path\")");
    for (const auto& [name, path] : keep) {
      if (!is_placeholder_name(name))
        r.fail(request->get("keep"), field + ".keep." + name,
               "name must match [A-Za-z0-9_]+ (it may fill {" + name + "})");
      if (path.empty() || path.front() == '.' || path.back() == '.'
          || path.find("..") != std::string::npos)
        r.fail(request->get("keep"), field + ".keep." + name,
               "'" + path + "' is not a dot path such as \"0.id\" or \"accounts.base_uri\"");
      q.keep.emplace_back(name, path);
    }
    q.required = r.boolean(*request, "required", field + ".required", false);
    out.push_back(q);
  }
  return out;
}

// Every placeholder must be fillable: sane names everywhere, and in api_base_url and
// post-authorization URLs only names that something provides (a --set value the
// endpoints need anyway, a template default, an environment default or a kept value).
void check_placeholders(const EntryReader& r, const toml::table& table, const Provider& p) {
  auto check_names = [&](const std::string& url, const std::string& field, const toml::node* node) {
    for (const auto& name : template_names(url))
      if (!is_placeholder_name(name))
        r.fail(node, field, "bad placeholder name '{" + name + "}'");
  };
  const toml::table* env_table =
      table.get("environments") ? table.get("environments")->as_table() : nullptr;
  auto env_node = [&](const std::string& env, const std::string& key) -> const toml::node* {
    const toml::node* e = env_table ? env_table->get(env) : nullptr;
    return e && e->as_table() ? e->as_table()->get(key) : nullptr;
  };
  for (const std::string key : {"authorization_url", "token_url", "refresh_url", "revocation_url",
                                "userinfo_url", "device_authorization_url", "api_base_url"}) {
    if (const toml::node* node = table.get(key); node && node->is_string())
      check_names(*node->value<std::string>(), key, node);
    for (const auto& [name, environment] : p.environments) {
      (void)environment;
      const toml::node* node = env_node(name, key);
      if (node && node->is_string())
        check_names(*node->value<std::string>(), "environments." + name + "." + key, node);
    }
  }
  std::vector<std::string> provided = kept_names(p);
  auto add = [&](const std::string& name) {
    if (std::find(provided.begin(), provided.end(), name) == provided.end())
      provided.push_back(name);
  };
  for (const auto& [name, value] : p.template_defaults) {
    (void)value;
    add(name);
  }
  for (const auto& [env, environment] : p.environments) {
    (void)env;
    for (const auto& [name, value] : environment.template_defaults) {
      (void)value;
      add(name);
    }
    for (const auto* url : {&environment.authorization_url, &environment.token_url,
                            &environment.refresh_url, &environment.revocation_url,
                            &environment.userinfo_url, &environment.device_authorization_url})
      for (const auto& name : template_names(*url))
        add(name);
  }
  for (const auto* url : {&p.authorization_url, &p.token_url, &p.refresh_url, &p.revocation_url,
                          &p.userinfo_url, &p.device_authorization_url})
    for (const auto& name : template_names(*url))
      add(name);
  auto check_provided = [&](const std::string& url, const std::string& field,
                            const toml::node* node) {
    for (const auto& name : template_names(url))
      if (std::find(provided.begin(), provided.end(), name) == provided.end())
        r.fail(node, field,
               "placeholder {" + name
                   + "} is not a template default, an endpoint's --set value, nor a kept value "
                     "(response.keep, callback.keep, post_authorization keep)");
  };
  check_provided(p.api_base_url, "api_base_url", table.get("api_base_url"));
  for (const auto& [name, environment] : p.environments)
    check_provided(environment.api_base_url, "environments." + name + ".api_base_url",
                   env_node(name, "api_base_url"));
  const toml::array* posts =
      table.get("post_authorization") ? table.get("post_authorization")->as_array() : nullptr;
  for (size_t i = 0; i < p.post_authorization.size(); ++i) {
    const toml::node* node = nullptr;
    if (const toml::node* item = posts ? posts->get(i) : nullptr)
      if (const toml::table* request = item->as_table())
        node = request->get("url");
    std::string field = "post_authorization[" + std::to_string(i) + "].url";
    check_names(p.post_authorization[i].url, field, node);
    check_provided(p.post_authorization[i].url, field, node);
  }
}

Provider read_provider(const std::string& source, const std::string& slug,
                       const toml::table& table) {
  EntryReader r(source, slug, table);
  r.check_keys(table,
               {"name",
                "docs",
                "authorization_url",
                "token_url",
                "refresh_url",
                "revocation_url",
                "userinfo_url",
                "device_authorization_url",
                "api_base_url",
                "issuer",
                "discovery",
                "grant_types",
                "auth_method",
                "token_request_format",
                "client_id_param",
                "scope_separator",
                "default_scopes",
                "offline_scopes",
                "pkce",
                "authorize_params",
                "token_params",
                "refresh_params",
                "template_defaults",
                "refresh_token_rotation",
                "tokens_expire",
                "response",
                "callback",
                "environments",
                "post_authorization"},
               "");
  Provider p;
  p.slug = slug;
  p.source_line = static_cast<int>(table.source().begin.line);
  p.name = r.string(table, "name", "name", true);
  p.docs = r.string(table, "docs", "docs", true);
  if (p.docs.rfind("https://", 0) != 0)
    r.fail(table.get("docs"), "docs", "must be an https URL");
  p.discovery = r.boolean(table, "discovery", "discovery", slug == "oidc");
  p.authorization_url = r.url(table, "authorization_url", !p.discovery);
  p.token_url = r.url(table, "token_url", !p.discovery);
  p.refresh_url = r.url(table, "refresh_url", false);
  p.revocation_url = r.url(table, "revocation_url", false);
  p.userinfo_url = r.url(table, "userinfo_url", false);
  p.device_authorization_url = r.url(table, "device_authorization_url", false);
  p.api_base_url = r.string(table, "api_base_url", "api_base_url", false);
  p.issuer = r.string(table, "issuer", "issuer", false);
  p.grant_types = r.strings(table, "grant_types", "grant_types");
  if (p.grant_types.empty())
    p.grant_types = {"authorization_code"};
  for (const auto& grant : p.grant_types) {
    if (grant != "authorization_code" && grant != "refresh_token" && grant != "client_credentials"
        && grant != "device_code")
      r.fail(table.get("grant_types"), "grant_types",
             "'" + grant
                 + "' is not one of authorization_code, refresh_token, client_credentials, "
                   "device_code");
  }
  p.auth_method = r.choice<AuthMethod>(table, "auth_method", "auth_method",
                                       {{"client_secret_post", AuthMethod::client_secret_post},
                                        {"client_secret_basic", AuthMethod::client_secret_basic},
                                        {"both", AuthMethod::both},
                                        {"none", AuthMethod::none}},
                                       AuthMethod::client_secret_post);
  p.token_request_format = r.choice<BodyFormat>(
      table, "token_request_format", "token_request_format",
      {{"form", BodyFormat::form}, {"json", BodyFormat::json}}, BodyFormat::form);
  p.client_id_param = r.string(table, "client_id_param", "client_id_param", false, "client_id");
  if (p.client_id_param.empty())
    r.fail(table.get("client_id_param"), "client_id_param", "must not be empty");
  p.scope_separator = r.string(table, "scope_separator", "scope_separator", false, " ");
  if (p.scope_separator != " " && p.scope_separator != "," && p.scope_separator != "+")
    r.fail(table.get("scope_separator"), "scope_separator", "must be \" \", \",\" or \"+\"");
  p.default_scopes = r.strings(table, "default_scopes", "default_scopes");
  p.offline_scopes = r.strings(table, "offline_scopes", "offline_scopes");
  p.pkce = r.choice<Pkce>(table, "pkce", "pkce",
                          {{"required", Pkce::required},
                           {"supported", Pkce::supported},
                           {"forbidden", Pkce::forbidden}},
                          Pkce::supported);
  p.authorize_params = r.authorize_params(table, "");
  p.token_params = r.string_map(table, "token_params", "token_params");
  p.refresh_params = r.string_map(table, "refresh_params", "refresh_params");
  p.template_defaults = r.string_map(table, "template_defaults", "template_defaults");
  p.refresh_token_rotation =
      r.boolean(table, "refresh_token_rotation", "refresh_token_rotation", false);
  p.tokens_expire = r.boolean(table, "tokens_expire", "tokens_expire", true);

  if (const toml::node* node = table.get("response")) {
    const toml::table* response = node->as_table();
    if (!response)
      r.fail(node, "response", "must be a table");
    r.check_keys(*response,
                 {"format", "success_field", "token_path", "expires_in_unit", "default_expires_in",
                  "expires_at_field", "scope_field", "token_type", "keep"},
                 "response.");
    auto& d = p.response;
    d.format = r.choice<BodyFormat>(*response, "format", "response.format",
                                    {{"json", BodyFormat::json}, {"form", BodyFormat::form}},
                                    BodyFormat::json);
    d.success_field = r.string(*response, "success_field", "response.success_field", false);
    d.token_path = r.string(*response, "token_path", "response.token_path", false);
    d.expires_in_unit = r.choice<ExpiresUnit>(
        *response, "expires_in_unit", "response.expires_in_unit",
        {{"seconds", ExpiresUnit::seconds}, {"milliseconds", ExpiresUnit::milliseconds}},
        ExpiresUnit::seconds);
    d.default_expires_in =
        r.integer(*response, "default_expires_in", "response.default_expires_in");
    d.expires_at_field =
        r.string(*response, "expires_at_field", "response.expires_at_field", false);
    d.scope_field = r.string(*response, "scope_field", "response.scope_field", false, "scope");
    d.token_type = r.string(*response, "token_type", "response.token_type", false);
    if (!d.token_type.empty() && d.token_type != "Bearer")
      r.fail(response->get("token_type"), "response.token_type", "only \"Bearer\" is supported");
    d.keep = r.strings(*response, "keep", "response.keep");
  }
  if (const toml::node* node = table.get("callback")) {
    const toml::table* callback = node->as_table();
    if (!callback)
      r.fail(node, "callback", "must be a table");
    r.check_keys(*callback, {"keep"}, "callback.");
    p.callback_keep = r.strings(*callback, "keep", "callback.keep");
  }
  p.environments = read_environments(r, table);
  p.post_authorization = read_post_authorization(r, table);
  check_placeholders(r, table, p);
  return p;
}

} // namespace

bool is_reserved_authorize_param(std::string_view name) {
  static const char* const k_reserved[] = {
      "response_type",         "client_id", "redirect_uri", "state", "code_challenge",
      "code_challenge_method", "scope",     "request_uri"};
  for (const char* reserved : k_reserved)
    if (name == reserved)
      return true;
  return false;
}

bool is_valid_slug(std::string_view slug) {
  if (slug.empty() || slug.size() > 32)
    return false;
  for (char c : slug)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
  return true;
}

namespace {

toml::table parse_toml(std::string_view text, const std::string& source) {
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw CatalogError(source + ":" + std::to_string(e.source().begin.line) + ": "
                       + std::string(e.description()));
  }
}

// Tables of fields that an overlay merges key by key rather than replacing whole.
bool is_field_group(std::string_view key) {
  return key == "response" || key == "callback";
}

// Moves (not copies: a copied toml++ node forgets its source) each key of `overlay`
// into `base`, so the merged entry keeps every key's file and line.
void overlay_entry(toml::table& base, toml::table& overlay, bool top) {
  for (auto&& [key, node] : overlay) {
    toml::node* existing = base.get(key.str());
    if (top && existing && existing->is_table() && node.is_table() && is_field_group(key.str()))
      overlay_entry(*existing->as_table(), *node.as_table(), false);
    else
      base.insert_or_assign(key, std::move(node));
  }
}

} // namespace

Catalog Catalog::parse(std::string_view text, const std::string& source) {
  return parse_layers({{text, source}});
}

Catalog Catalog::parse_layers(const std::vector<Layer>& layers) {
  toml::table root;
  std::map<std::string, std::string> first_source; // slug -> the file that defined it
  for (const auto& layer : layers) {
    toml::table table = parse_toml(layer.text, layer.source);
    for (auto&& [key, node] : table) {
      std::string slug(key.str());
      auto line = std::to_string(node.source().begin.line);
      if (!is_valid_slug(slug))
        throw CatalogError(layer.source + ":" + line + ": provider '" + slug
                           + "': slug must match [a-z0-9-]{1,32}");
      if (!node.is_table())
        throw CatalogError(layer.source + ":" + line + ": provider '" + slug
                           + "': must be a table");
      if (toml::node* existing = root.get(slug)) {
        overlay_entry(*existing->as_table(), *node.as_table(), true);
      } else {
        root.insert_or_assign(key, std::move(node));
        first_source[slug] = layer.source;
      }
    }
  }
  Catalog catalog;
  for (const auto& [key, node] : root) {
    std::string slug(key.str());
    catalog.m_providers[slug] = read_provider(first_source[slug], slug, *node.as_table());
  }
  return catalog;
}

const Provider* Catalog::find(std::string_view slug) const {
  auto it = m_providers.find(std::string(slug));
  return it == m_providers.end() ? nullptr : &it->second;
}

std::string to_string(AuthMethod method) {
  switch (method) {
  case AuthMethod::client_secret_post:
    return "client_secret_post";
  case AuthMethod::client_secret_basic:
    return "client_secret_basic";
  case AuthMethod::both:
    return "both";
  case AuthMethod::none:
    return "none";
  }
  return "?";
}

std::optional<AuthMethod> parse_auth_method(const std::string& text) {
  if (text == "client_secret_post")
    return AuthMethod::client_secret_post;
  if (text == "client_secret_basic")
    return AuthMethod::client_secret_basic;
  if (text == "both")
    return AuthMethod::both;
  if (text == "none")
    return AuthMethod::none;
  return std::nullopt;
}

std::string to_string(Pkce pkce) {
  switch (pkce) {
  case Pkce::required:
    return "required";
  case Pkce::supported:
    return "supported";
  case Pkce::forbidden:
    return "forbidden";
  }
  return "?";
}

std::string to_string(BodyFormat format) {
  return format == BodyFormat::json ? "json" : "form";
}

} // namespace oauthlink::providers
