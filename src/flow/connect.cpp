// SPDX-License-Identifier: MIT
#include "flow/connect.hpp"

#include "error.hpp"
#include "flow/authorize_url.hpp"
#include "flow/html.hpp"
#include "flow/post_auth.hpp"
#include "flow/token_exchange.hpp"

#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>

namespace oauthlink::flow {

namespace {

// The hand-over between the server thread that receives the callback and the flow's
// thread that exchanges the code: one callback is claimed, then its page is awaited.
struct Handover {
  enum class Phase { waiting, claimed, done, delivered };
  std::mutex mutex;
  std::condition_variable changed;
  Phase phase = Phase::waiting;
  int rejected = 0;
  CallbackResult callback;
  ServerReply final_reply;
};

// How long the browser's request is held open while the code is exchanged.
constexpr auto k_exchange_hold = std::chrono::seconds(90);

} // namespace

Credential connect(const ConnectPlan& plan, ConnectPorts& ports) {
  AuthorizeRequest authorize{plan.redirect_uri, plan.expect.state, plan.code_verifier, plan.scopes};
  std::string url = build_authorize_url(plan.provider, plan.app, authorize);

  // Shared with the handler, which a server may call even after this function returns.
  auto shared = std::make_shared<Handover>();
  Handover& handover = *shared;
  Progress& progress = ports.progress;
  ports.server.serve([shared, expect = plan.expect, &progress](const ServerRequest& request) {
    Handover& h = *shared;
    std::unique_lock lock(h.mutex);
    if (h.phase != Handover::Phase::waiting)
      return html_page(409, "Sign-in already received",
                       "oauthlink has already received a sign-in for this flow.");
    CallbackResult result = check_callback(request, expect);
    if (result.kind == CallbackKind::stray)
      return result.reply;
    if (result.kind == CallbackKind::rejected) {
      // A flood of forged callbacks must not flood the terminal.
      constexpr int k_shown = 5;
      if (++h.rejected <= k_shown)
        progress.warn("ignored a callback: " + result.reason + "; still waiting"
                      + (h.rejected == k_shown ? " (further ones are not reported)" : ""));
      return result.reply;
    }
    h.callback = std::move(result);
    h.phase = Handover::Phase::claimed;
    h.changed.notify_all();
    h.changed.wait_for(lock, k_exchange_hold, [&] { return h.phase == Handover::Phase::done; });
    if (h.phase != Handover::Phase::done)
      return failure_page("Sign-in timed out", "oauthlink did not finish in time");
    h.phase = Handover::Phase::delivered;
    h.changed.notify_all();
    return h.final_reply;
  });

  // The server is accepting before the browser starts (a fast browser must find it).
  progress.info("Open this URL in your browser to authorize " + plan.provider.name + ":");
  progress.show_url(url);
  if (plan.open_browser && !ports.browser.open(url))
    progress.warn("could not start a browser; open the URL above yourself");

  const int64_t deadline = ports.now() + plan.timeout_seconds;
  {
    std::unique_lock lock(handover.mutex);
    int64_t last_shown = -1;
    while (handover.phase == Handover::Phase::waiting) {
      if (ports.interrupted()) {
        lock.unlock();
        progress.done_waiting();
        ports.server.stop();
        throw Interrupted("interrupted; nothing was stored");
      }
      int64_t left = deadline - ports.now();
      if (left <= 0) {
        lock.unlock();
        progress.done_waiting();
        ports.server.stop();
        throw TimeoutError("no callback within " + std::to_string(plan.timeout_seconds)
                           + " s; nothing was stored");
      }
      if (left != last_shown) {
        progress.countdown(left);
        last_shown = left;
      }
      handover.changed.wait_for(lock, std::chrono::milliseconds(200));
    }
  }
  progress.done_waiting();

  // The callback is claimed: exchange, store, then give the browser its page.
  std::exception_ptr failure;
  std::optional<Credential> credential;
  ServerReply page;
  const CallbackResult& callback = handover.callback;
  try {
    if (callback.kind == CallbackKind::error) {
      page = callback.reply;
      throw ProviderError("authorization failed: " + callback.error.message());
    }
    progress.info("Received the authorization code; exchanging it");
    HttpRequest request = build_code_exchange(plan.provider, plan.app, callback.code,
                                              plan.redirect_uri, plan.code_verifier);
    int64_t sent_at = ports.now();
    HttpResponse response = ports.http.send(request);
    if (response.status >= 300 && response.status < 400)
      throw ProviderError("token endpoint answered a redirect (HTTP "
                          + std::to_string(response.status) + "); redirects are not followed");
    TokenResult parsed =
        parse_token_response(plan.provider, response, sent_at, join_scopes(plan.scopes, " "));
    if (auto* error = std::get_if<OAuthError>(&parsed)) {
      page = failure_page("Sign-in failed", "the provider refused the code exchange");
      std::string hint;
      if (error->error == "invalid_client" || error->error == "unauthorized_client")
        hint = " (the client was authenticated with "
               + (plan.app.client_secret.empty() ? std::string("no secret (public client)")
                                                 : providers::to_string(plan.provider.auth_method))
               + "; check the client secret, and re-add the app with the --auth-method the "
                 "provider expects)";
      // A provider may echo the request in its description: never show what was sent.
      throw ProviderError(scrub_secrets(
          "token endpoint: " + error->message() + hint,
          {callback.code, plan.code_verifier, plan.app.client_secret, plan.expect.state}));
    }
    auto& tokens = std::get<TokenSet>(parsed);
    for (const auto& warning : tokens.warnings)
      progress.warn(warning);
    if (!plan.provider.post_authorization.empty()) {
      progress.info("Asking " + plan.provider.name + " for the account's details");
      PostAuthOutcome outcome =
          run_post_authorization(plan.provider, tokens, callback.kept, ports.http);
      for (const auto& warning : outcome.warnings)
        progress.warn(warning);
      for (const auto& [key, value] : outcome.kept.items())
        tokens.extra[key] = value;
    }
    credential = ports.store(tokens, callback.kept);
    page = success_page(plan.provider.name);
  } catch (...) {
    failure = std::current_exception();
    if (page.body.empty())
      page = failure_page("Sign-in failed", "oauthlink could not complete the sign-in");
  }
  {
    std::lock_guard lock(handover.mutex);
    handover.final_reply = page;
    handover.phase = Handover::Phase::done;
  }
  handover.changed.notify_all();
  {
    // The browser gets its page before the server goes away.
    std::unique_lock lock(handover.mutex);
    handover.changed.wait_for(lock, std::chrono::seconds(5),
                              [&] { return handover.phase == Handover::Phase::delivered; });
  }
  ports.server.stop(); // waits for the page to be written (B5: one callback, then close)
  if (failure)
    std::rethrow_exception(failure);
  return *credential;
}

} // namespace oauthlink::flow
