// SPDX-License-Identifier: MIT
// Fakes for the flow's interfaces: a recording HTTP client, a callback server driven by
// the test, a browser that records URLs, a silent progress sink.
#pragma once

#include "flow/interfaces.hpp"

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace oauthlink::test {

class FakeHttpClient : public flow::HttpClient {
public:
  std::vector<flow::HttpRequest> requests;
  std::deque<flow::HttpResponse> replies;
  flow::HttpResponse send(const flow::HttpRequest& request) override {
    std::lock_guard lock(m_mutex);
    requests.push_back(request);
    if (replies.empty())
      return {500, {}, "no canned reply"};
    auto reply = replies.front();
    replies.pop_front();
    return reply;
  }

private:
  std::mutex m_mutex;
};

// Records the handler; the test calls deliver() to play a browser's request.
class FakeCallbackServer : public flow::CallbackServer {
public:
  flow::RequestHandler handler;
  bool stopped = false;
  void serve(flow::RequestHandler h) override { handler = std::move(h); }
  void stop() override { stopped = true; }
};

// A browser that, when opened, runs a script on another thread (like a real browser).
class FakeBrowser : public flow::Browser {
public:
  std::vector<std::string> opened;
  std::function<void(const std::string&)> script;
  std::thread worker;
  bool fail = false;
  ~FakeBrowser() override {
    if (worker.joinable())
      worker.join();
  }
  bool open(const std::string& url) override {
    opened.push_back(url);
    if (fail)
      return false;
    if (script)
      worker = std::thread(script, url);
    return true;
  }
};

class QuietProgress : public flow::Progress {
public:
  std::vector<std::string> lines;
  std::mutex mutex;
  void info(const std::string& m) override { add(m); }
  void warn(const std::string& m) override { add("warning: " + m); }
  void show_url(const std::string& u) override { add("url: " + u); }
  void countdown(int64_t) override {}
  void done_waiting() override {}

private:
  void add(const std::string& m) {
    std::lock_guard lock(mutex);
    lines.push_back(m);
  }
};

} // namespace oauthlink::test
