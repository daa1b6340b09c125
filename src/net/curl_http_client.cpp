// SPDX-License-Identifier: MIT
#include "net/curl_http_client.hpp"

#include "error.hpp"
#include "flow/url.hpp"

#include <curl/curl.h>

#include <cstring>
#include <dlfcn.h>
#include <memory>
#include <mutex>

namespace oauthlink::net {

namespace {

struct Sink {
  std::string body;
  flow::Headers headers;
  size_t limit = 0;
  bool overflow = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t bytes = size * count;
  if (sink->body.size() + bytes > sink->limit) {
    sink->overflow = true;
    return 0; // aborts the transfer
  }
  sink->body.append(data, bytes);
  return bytes;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t bytes = size * count;
  std::string line(data, bytes);
  if (line.rfind("HTTP/", 0) == 0) {
    sink->headers.clear(); // a new response (e.g. after 100 Continue)
    return bytes;
  }
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' '))
      value.pop_back();
    sink->headers.emplace_back(std::move(name), std::move(value));
  }
  return bytes;
}

// libcurl is loaded on first use (dlopen), not at startup: with its ~30 dependent
// libraries, loading and relocating it cost more than the whole `oauthlink token` fast
// path, which sends nothing (bench/token.sh). The header gives the types only.
struct CurlApi {
  CURLcode (*global_init)(long);
  CURL* (*easy_init)();
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  void (*easy_cleanup)(CURL*);
  const char* (*easy_strerror)(CURLcode);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
};

template <typename Fn> bool bind_symbol(void* library, const char* name, Fn& fn) {
  void* symbol = ::dlsym(library, name);
  static_assert(sizeof(symbol) == sizeof(fn));
  std::memcpy(&fn, &symbol, sizeof fn); // POSIX: a data pointer can hold a function pointer
  return symbol != nullptr;
}

// Loads libcurl and runs curl_global_init once (thread-safe); throws NetworkError if
// libcurl cannot be loaded.
const CurlApi& curl_api() {
  static CurlApi api{};
  static std::string failure;
  static std::once_flag once;
  std::call_once(once, [] {
    void* library = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
      const char* why = ::dlerror();
      failure = why ? why : "dlopen failed";
      return;
    }
    bool ok = bind_symbol(library, "curl_global_init", api.global_init)
              && bind_symbol(library, "curl_easy_init", api.easy_init)
              && bind_symbol(library, "curl_easy_setopt", api.easy_setopt)
              && bind_symbol(library, "curl_easy_perform", api.easy_perform)
              && bind_symbol(library, "curl_easy_getinfo", api.easy_getinfo)
              && bind_symbol(library, "curl_easy_cleanup", api.easy_cleanup)
              && bind_symbol(library, "curl_easy_strerror", api.easy_strerror)
              && bind_symbol(library, "curl_slist_append", api.slist_append)
              && bind_symbol(library, "curl_slist_free_all", api.slist_free_all);
    if (!ok) {
      failure = "libcurl.so.4 lacks a function oauthlink needs";
      return;
    }
    api.global_init(CURL_GLOBAL_DEFAULT);
  });
  if (!failure.empty())
    throw NetworkError("cannot load libcurl: " + failure);
  return api;
}

// The URL without its query, for messages: query values may carry secrets.
std::string strip_query(const std::string& url) {
  return url.substr(0, url.find('?'));
}

} // namespace

void init_http() {
  curl_api();
}

CurlHttpClient::CurlHttpClient(CurlOptions options)
    : m_options(std::move(options)) {}

flow::HttpResponse CurlHttpClient::send(const flow::HttpRequest& request) {
  auto parsed = flow::parse_url(request.url);
  if (!parsed)
    throw NetworkError("invalid URL '" + strip_query(request.url) + "'");
  if (parsed->scheme == "http" && !flow::is_loopback_host(parsed->host))
    throw NetworkError(strip_query(request.url) + ": plain http is allowed only to loopback hosts");

  const CurlApi& api = curl_api();
  std::unique_ptr<CURL, decltype(api.easy_cleanup)> curl(api.easy_init(), api.easy_cleanup);
  if (!curl)
    throw NetworkError("could not initialise libcurl");
  CURL* h = curl.get();
  Sink sink;
  sink.limit = m_options.max_response_bytes;
  api.easy_setopt(h, CURLOPT_URL, request.url.c_str());
  api.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  api.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L); // never follow (SECURITY.md A13)
  api.easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  api.easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  api.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, m_options.connect_timeout_seconds);
  api.easy_setopt(h, CURLOPT_TIMEOUT, m_options.total_timeout_seconds);
  api.easy_setopt(h, CURLOPT_USERAGENT,
                  "oauthlink/"
                  "0.1");
  if (!m_options.ca_file.empty())
    api.easy_setopt(h, CURLOPT_CAINFO, m_options.ca_file.c_str());
  api.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  api.easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  api.easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  api.easy_setopt(h, CURLOPT_HEADERDATA, &sink);
  if (request.method == "POST") {
    api.easy_setopt(h, CURLOPT_POST, 1L);
    api.easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
    api.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else if (request.method != "GET") {
    api.easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (!request.body.empty()) {
      api.easy_setopt(h, CURLOPT_POSTFIELDS, request.body.c_str());
      api.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
  }
  curl_slist* headers = nullptr;
  bool has_expect = false;
  // A line break would add a header of its own, a NUL would cut this one short.
  for (const auto& [name, value] : request.headers)
    if (flow::has_control_char(name)
        || value.find_first_of(std::string("\r\n\0", 3)) != std::string::npos)
      throw Error("refusing to send header '"
                  + (flow::has_control_char(name) ? std::string("?") : name)
                  + "': its value holds a line break or NUL (an imported or stored value?)");
  for (const auto& [name, value] : request.headers) {
    headers = api.slist_append(headers, (name + ": " + value).c_str());
    has_expect = has_expect || name == "Expect";
  }
  if (!has_expect)
    headers = api.slist_append(headers, "Expect:");
  std::unique_ptr<curl_slist, decltype(api.slist_free_all)> header_guard(headers,
                                                                         api.slist_free_all);
  api.easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  char error_buffer[CURL_ERROR_SIZE] = {};
  api.easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);

  if (m_options.log)
    m_options.log("> " + request.method + " " + strip_query(request.url) + " ("
                  + std::to_string(request.body.size()) + " bytes)");
  if (m_options.activity)
    m_options.activity(true);
  CURLcode rc = api.easy_perform(h);
  if (m_options.activity)
    m_options.activity(false);
  if (sink.overflow)
    throw NetworkError(strip_query(request.url) + ": answer larger than "
                       + std::to_string(m_options.max_response_bytes) + " bytes");
  if (rc != CURLE_OK) {
    std::string detail = error_buffer[0] ? error_buffer : api.easy_strerror(rc);
    // curl's messages name hosts and TLS problems, never request bodies.
    throw NetworkError(strip_query(request.url) + ": " + detail);
  }
  long status = 0;
  api.easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  flow::HttpResponse response;
  response.status = static_cast<int>(status);
  response.headers = std::move(sink.headers);
  response.body = std::move(sink.body);
  if (m_options.log) {
    curl_off_t micros = 0;
    api.easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &micros);
    m_options.log("< HTTP " + std::to_string(status) + " (" + std::to_string(response.body.size())
                  + " bytes, " + std::to_string(micros / 1000) + "."
                  + std::to_string(micros / 100 % 10) + " ms)");
  }
  return response;
}

} // namespace oauthlink::net
