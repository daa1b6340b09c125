// SPDX-License-Identifier: MIT
#include "flow/export.hpp"

#include "error.hpp"

#include <algorithm>
#include <set>

namespace oauthlink::flow {

std::string default_env_prefix(const std::string& provider) {
  std::string out;
  for (char c : provider)
    out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

EnvVars credentials_env(const std::vector<Credential>& credentials,
                        const std::optional<std::string>& prefix) {
  EnvVars vars;
  std::set<std::string> names;
  for (const auto& c : credentials) {
    for (auto& var : credential_env(c, prefix ? *prefix : default_env_prefix(c.provider))) {
      if (!names.insert(var.first).second)
        throw UsageError("two credentials would both set " + var.first
                         + "; give them one at a time with --prefix");
      vars.push_back(std::move(var));
    }
  }
  return vars;
}

namespace {

std::string env_name(const std::string& prefix, const std::string& key) {
  std::string out = prefix.empty() ? "" : prefix + "_";
  for (char c : key)
    out += std::isalnum(static_cast<unsigned char>(c))
               ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
               : '_';
  return out;
}

} // namespace

EnvVars credential_env(const Credential& c, const std::string& prefix) {
  EnvVars vars;
  auto add = [&](const std::string& key, const std::string& value) {
    if (!value.empty())
      vars.emplace_back(env_name(prefix, key), value);
  };
  add("access_token", c.tokens.access_token);
  add("token_type", c.tokens.token_type);
  add("refresh_token", c.tokens.refresh_token);
  add("expires_at", c.tokens.expires_at ? format_time(*c.tokens.expires_at) : "");
  add("scope", c.tokens.scope);
  add("id_token", c.tokens.id_token);
  for (const auto& [key, value] : c.tokens.extra.items())
    add(key, value.is_string() ? value.get<std::string>() : value.dump());
  return vars;
}

std::string shell_quote(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string format_shell(const EnvVars& vars) {
  std::string out;
  for (const auto& [name, value] : vars)
    out += "export " + name + "=" + shell_quote(value) + "\n";
  return out;
}

std::string format_env(const EnvVars& vars) {
  std::string out;
  for (const auto& [name, value] : vars)
    out += name + "=" + shell_quote(value) + "\n";
  return out;
}

std::string format_dotenv(const EnvVars& vars) {
  std::string out;
  for (const auto& [name, value] : vars) {
    out += name + "=\"";
    for (char c : value) {
      switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '$':
        out += "\\$";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
      }
    }
    out += "\"\n";
  }
  return out;
}

std::string format_github_masks(const EnvVars& vars) {
  std::string out;
  for (const auto& [name, value] : vars)
    if (name.find("TOKEN") != std::string::npos && name.find("TOKEN_TYPE") == std::string::npos)
      out += "::add-mask::" + value + "\n";
  return out;
}

std::string format_github_env(const EnvVars& vars, const std::string& delimiter) {
  std::string out;
  for (const auto& [name, value] : vars)
    out += name + "<<" + delimiter + "\n" + value + "\n" + delimiter + "\n";
  return out;
}

} // namespace oauthlink::flow
