// SPDX-License-Identifier: MIT
#include "flow/post_auth.hpp"

#include "error.hpp"
#include "flow/authorize_url.hpp"
#include "providers/template.hpp"

namespace oauthlink::flow {

using nlohmann::json;

namespace {

bool all_digits(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

// A kept value as text for a URL template: strings as they are, numbers and booleans in
// their JSON spelling.
std::string template_text(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

} // namespace

HttpRequest build_post_auth_request(const providers::PostAuthRequest& request,
                                    const std::string& access_token,
                                    const providers::StringMap& values,
                                    const providers::StringMap& defaults) {
  HttpRequest out;
  out.method = request.method;
  out.url = providers::fill_template(request.url, values, defaults);
  require_secure_url(out.url, "post-authorization request");
  out.headers.emplace_back("Accept", "application/json");
  out.headers.emplace_back("Authorization", request.auth_scheme + " " + access_token);
  for (const auto& [name, value] : request.headers)
    out.headers.emplace_back(name, value);
  return out;
}

const json* json_at_path(const json& doc, const std::string& path) {
  const json* current = &doc;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t dot = path.find('.', pos);
    std::string part = path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    if (current->is_array()) {
      if (current->empty())
        return nullptr;
      if (all_digits(part)) {
        size_t index = std::stoul(part);
        if (index >= current->size())
          return nullptr;
        current = &(*current)[index];
        part.clear();
      } else {
        current = &current->front();
      }
    }
    if (!part.empty()) {
      if (!current->is_object() || !current->contains(part))
        return nullptr;
      current = &(*current)[part];
    }
    if (dot == std::string::npos)
      break;
    pos = dot + 1;
  }
  return current;
}

std::variant<json, std::string> extract_post_auth(const providers::PostAuthRequest& request,
                                                  const HttpResponse& response) {
  if (response.status < 200 || response.status >= 300)
    return "HTTP " + std::to_string(response.status);
  json doc = json::parse(response.body, nullptr, false);
  if (doc.is_discarded())
    return std::string("the answer is not JSON");
  json kept = json::object();
  for (const auto& [name, path] : request.keep) {
    const json* value = json_at_path(doc, path);
    if (!value || value->is_null())
      return "the answer has no '" + path + "'";
    kept[name] = *value;
  }
  return kept;
}

PostAuthOutcome run_post_authorization(const providers::Provider& provider, const TokenSet& tokens,
                                       const Params& callback_kept, HttpClient& http) {
  PostAuthOutcome outcome;
  providers::StringMap values;
  for (const auto& [key, value] : tokens.extra.items())
    values[key] = template_text(value);
  for (const auto& [key, value] : callback_kept)
    values[key] = value;
  for (size_t i = 0; i < provider.post_authorization.size(); ++i) {
    const auto& request = provider.post_authorization[i];
    std::string what = "post-authorization request " + std::to_string(i + 1) + " (" + request.method
                       + " " + request.url + ")";
    std::string problem;
    try {
      HttpResponse response = http.send(build_post_auth_request(
          request, tokens.access_token, values, provider.template_defaults));
      auto result = extract_post_auth(request, response);
      if (auto* kept = std::get_if<json>(&result)) {
        for (const auto& [key, value] : kept->items()) {
          outcome.kept[key] = value;
          values[key] = template_text(value);
        }
        continue;
      }
      problem = std::get<std::string>(result);
    } catch (const Error& e) { // no answer, a value nothing fills, or a URL not https
      problem = e.what();
    }
    if (request.required)
      throw ProviderError(what + " failed: " + problem + "; nothing was stored");
    outcome.warnings.push_back(what + " failed: " + problem
                               + "; the credential is kept without its values");
  }
  return outcome;
}

} // namespace oauthlink::flow
