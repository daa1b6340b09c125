// SPDX-License-Identifier: MIT
#include "flow/credential.hpp"

#include <ctime>

namespace oauthlink::flow {

std::string OAuthError::message() const {
  std::string text = error.empty() ? std::string("unknown_error") : error;
  if (!description.empty())
    text += ": " + description;
  return text;
}

std::string format_time(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

namespace {

nlohmann::json properties_json(const Credential& c, bool masked) {
  auto secret = [&](const std::string& value) -> nlohmann::json {
    if (value.empty())
      return nullptr;
    return masked ? nlohmann::json(redact(value)) : nlohmann::json(value);
  };
  nlohmann::json props = nlohmann::json::object();
  props["kind"] = c.provider + "_oauth2";
  props["access_token"] = secret(c.tokens.access_token);
  props["token_type"] = c.tokens.token_type;
  if (!c.tokens.refresh_token.empty())
    props["refresh_token"] = secret(c.tokens.refresh_token);
  props["expires_at"] = c.tokens.expires_at ? nlohmann::json(format_time(*c.tokens.expires_at))
                                            : nlohmann::json(nullptr);
  props["scope"] = c.tokens.scope;
  if (!c.tokens.id_token.empty())
    props["id_token"] = secret(c.tokens.id_token);
  for (const auto& [key, value] : c.tokens.extra.items())
    if (!props.contains(key))
      props[key] = value;
  return props;
}

} // namespace

namespace {

nlohmann::json credential_object(const Credential& c, bool masked) {
  return {{"id", c.id},
          {"oauth_app_id", c.app_id},
          {"provider", c.provider},
          {"properties", properties_json(c, masked)},
          {"metadata", c.metadata},
          {"created_at", format_time(c.created_at)},
          {"updated_at", format_time(c.updated_at)}};
}

} // namespace

nlohmann::json credential_json(const Credential& c) {
  return credential_object(c, false);
}

nlohmann::json credential_summary_json(const Credential& c, int64_t now) {
  nlohmann::json out = credential_object(c, true);
  if (c.tokens.expires_at)
    out["expired"] = *c.tokens.expires_at <= now;
  return out;
}

std::string scrub_secrets(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.size() < 4)
      continue; // too short to be told apart from ordinary text
    for (size_t pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + 10))
      text.replace(pos, secret.size(), "[redacted]");
  }
  return text;
}

std::string redact(const std::string& secret) {
  if (secret.empty())
    return "";
  // Short values reveal nothing; long ones keep a 4-character hint for telling them apart.
  std::string head = secret.size() >= 16 ? secret.substr(0, 4) : "";
  return head + "…(len=" + std::to_string(secret.size()) + ")";
}

} // namespace oauthlink::flow
