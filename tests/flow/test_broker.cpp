// SPDX-License-Identifier: MIT
// The broker's request handling with an in-memory backend: each SECURITY.md C row (and B3)
// has its own case.
#include "flow/broker.hpp"
#include "flow/pkce.hpp"
#include "flow/url.hpp"
#include "support/catalog_fixture.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace oauthlink;
using namespace oauthlink::flow;
using nlohmann::json;

namespace {

template <class Map>
std::optional<typename Map::mapped_type> lookup(const Map& map, const std::string& key) {
  auto it = map.find(key);
  return it == map.end() ? std::nullopt : std::optional(it->second);
}

class MemoryBackend : public BrokerBackend {
public:
  std::map<std::string, App> apps;
  std::vector<std::string> registered;
  providers::Provider provider = test::provider_from("auth_method = \"client_secret_basic\"\n"
                                                     "issuer = \"https://as.example\"\n");
  std::vector<HttpRequest> sent;
  HttpResponse token_reply{
      200,
      {{"Content-Type", "application/json"}},
      R"({"access_token":"provider-access-token","token_type":"bearer","expires_in":3600})"};
  std::map<std::string, PendingFlow> flows;
  std::map<std::string, BrokerCode> codes;
  std::map<std::string, StartLink> links;
  std::map<std::string, Credential> credentials;
  int next_id = 0;

  std::optional<App> find_app(const std::string& id) override { return lookup(apps, id); }
  std::vector<App> list_apps() override {
    std::vector<App> out;
    for (const auto& [id, app] : apps)
      out.push_back(app);
    return out;
  }
  App add_app(App app) override {
    app.id = "app_" + std::to_string(++next_id);
    apps[app.id] = app;
    return app;
  }
  bool has_provider(const std::string& slug) override { return slug == "p"; }
  std::vector<std::string> redirects() override { return registered; }
  ResolvedProvider resolve(const App&) override { return {provider, true}; }
  std::map<std::string, HttpResponse> replies; // by URL; the token reply otherwise
  HttpResponse send(const HttpRequest& request) override {
    sent.push_back(request);
    auto it = replies.find(request.url);
    return it == replies.end() ? token_reply : it->second;
  }
  void save_flow(const PendingFlow& f) override { flows[f.state_hash] = f; }
  std::optional<PendingFlow> find_flow(const std::string& h) override { return lookup(flows, h); }
  bool take_flow(const std::string& h) override { return flows.erase(h) == 1; }
  void save_code(const BrokerCode& c) override { codes[c.code_hash] = c; }
  std::optional<BrokerCode> find_code(const std::string& h) override { return lookup(codes, h); }
  int add_code_failure(const std::string& h) override { return ++codes.at(h).failures; }
  bool consume_code(const std::string& h, int64_t now) override {
    auto it = codes.find(h);
    if (it == codes.end() || it->second.used || it->second.expires_at < now)
      return false;
    it->second.used = true;
    return true;
  }
  void save_link(const StartLink& l) override { links[l.token_hash] = l; }
  std::optional<StartLink> take_link(const std::string& h) override {
    auto it = links.find(h);
    if (it == links.end())
      return std::nullopt;
    StartLink l = it->second;
    links.erase(it);
    return l;
  }
  Credential save_credential(Credential c) override {
    if (c.id.empty())
      c.id = "cred_" + std::to_string(++next_id);
    credentials[c.id] = c;
    return c;
  }
  std::optional<Credential> find_credential(const std::string& id) override {
    return lookup(credentials, id);
  }
  std::vector<Credential> list_credentials() override {
    std::vector<Credential> out;
    for (const auto& [id, c] : credentials)
      out.push_back(c);
    return out;
  }
  bool delete_credential(const std::string& id) override { return credentials.erase(id) == 1; }
};

const std::string k_secret = "provider-client-secret-0123456789";
const std::string k_issuer = "http://127.0.0.1:8911";

struct Rig {
  MemoryBackend backend;
  int64_t clock = 1'800'000'000;
  int counter = 0;
  Broker broker;

  Rig()
      : broker(
          BrokerOptions{k_issuer, {"127.0.0.1:8911"}, "api-key-0123456789"}, backend,
          [this](size_t n) {
            std::string s = "r" + std::to_string(++counter);
            return s + std::string(n - s.size(), 'x');
          },
          [this] { return clock; }) {
    App app;
    app.id = "app_a";
    app.provider = "p";
    app.client_id = "provider-client-id";
    app.client_secret = k_secret;
    backend.apps[app.id] = app;
    backend.registered = {"http://127.0.0.1/cb/:provider", "http://127.0.0.1:3000/app?tenant=x"};
  }

  ServerReply get(const std::string& path, const std::string& query = "") {
    ServerRequest r;
    r.method = "GET";
    r.path = path;
    r.query = query;
    r.headers = {{"Host", "127.0.0.1:8911"}};
    return broker.handle(r);
  }
  ServerReply post(const std::string& path, const std::string& body, Headers headers = {}) {
    ServerRequest r;
    r.method = "POST";
    r.path = path;
    r.body = body;
    r.headers = {{"Host", "127.0.0.1:8911"}};
    r.headers.insert(r.headers.end(), headers.begin(), headers.end());
    return broker.handle(r);
  }
  // /authorize, then the provider's callback; returns the broker's redirect to the app.
  std::string dance(const std::string& redirect = "http://127.0.0.1:5173/cb/p",
                    const std::string& extra = "&state=app-state") {
    auto start = get("/link/oauth2/authorize",
                     "client_id=app_a&redirect_uri=" + percent_encode(redirect) + extra);
    REQUIRE(start.status == 302);
    auto to_provider = parse_url(*find_header(start.headers, "Location"));
    auto state = find_param(*parse_form(to_provider->query), "state");
    auto back =
        get("/link/oauth2/callback/p", "code=provider-code&state=" + percent_encode(*state)
                                           + "&iss=" + percent_encode("https://as.example"));
    REQUIRE(back.status == 302);
    return *find_header(back.headers, "Location");
  }
  static std::string param(const std::string& url, const std::string& name) {
    return find_param(*parse_form(parse_url(url)->query), name).value_or("<absent>");
  }
  ServerReply exchange(const std::string& code, const std::string& secret = k_secret) {
    return post("/link/oauth2/token",
                json{{"code", code}, {"client_id", "app_a"}, {"client_secret", secret}}.dump(),
                {{"Content-Type", "application/json"}});
  }
};

} // namespace

TEST_CASE("broker: redirect_uri is matched exactly, only a loopback port may vary (C1)") {
  Rig rig;
  CHECK(rig.get("/link/oauth2/authorize",
                "client_id=app_a&redirect_uri=http%3A%2F%2F127.0.0.1%3A5173%2Fcb%2Fp")
            .status
        == 302);
  for (const char* bad :
       {"http://127.0.0.1:5173/cb/p/../x", "http://127.0.0.1.evil.com/cb/p",
        "http://127.0.0.1@evil.com/cb/p", "http://localhost:5173/cb/p", "http://127.0.0.1/cb/q"}) {
    CAPTURE(bad);
    auto reply =
        rig.get("/link/oauth2/authorize", "client_id=app_a&redirect_uri=" + percent_encode(bad));
    CHECK(reply.status == 400);
    CHECK_FALSE(find_header(reply.headers, "Location"));
  }
  CHECK(rig.backend.flows.size() == 1);
}

TEST_CASE("broker: a callback path that is not a slug is refused (C2)") {
  Rig rig;
  CHECK(rig.get("/link/oauth2/callback/github%2F..%2Fx", "code=c&state=s").status == 400);
  CHECK(rig.get("/link/oauth2/callback/Bad_Slug", "code=c&state=s").status == 400);
}

TEST_CASE("broker: an unknown app or a bad redirect_uri gets a page, never a redirect (C3)") {
  Rig rig;
  for (const char* query : {"client_id=app_nope&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb%2Fp",
                            "client_id=app_a&redirect_uri=https%3A%2F%2Fevil.example%2Fcb",
                            "client_id=app_a", "redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb%2Fp"}) {
    CAPTURE(query);
    auto reply = rig.get("/link/oauth2/authorize", query);
    CHECK(reply.status == 400);
    CHECK(reply.content_type.find("text/html") == 0);
    CHECK_FALSE(find_header(reply.headers, "Location"));
  }
  CHECK(rig.backend.flows.empty());
}

TEST_CASE("broker: own state and PKCE with the provider; the app's state comes back exactly "
          "(C4)") {
  Rig rig;
  std::string app_state = "a+b/c=d \xc3\xa9";
  auto start = rig.get("/link/oauth2/authorize",
                       "client_id=app_a&redirect_uri=http%3A%2F%2F127.0.0.1%3A5173%2Fcb%2Fp"
                       "&state=a%2Bb%2Fc%3Dd%20%C3%A9");
  std::string to_provider = *find_header(start.headers, "Location");
  CHECK(to_provider.find("a%2Bb") == std::string::npos); // the app's state stays here
  CHECK(Rig::param(to_provider, "state") != app_state);
  CHECK(Rig::param(to_provider, "code_challenge_method") == "S256");
  CHECK(Rig::param(to_provider, "redirect_uri") == k_issuer + "/link/oauth2/callback/p");
  auto state = Rig::param(to_provider, "state");
  auto back = rig.get("/link/oauth2/callback/p",
                      "code=pc&state=" + state + "&iss=https%3A%2F%2Fas.example");
  std::string location = *find_header(back.headers, "Location");
  CHECK(Rig::param(location, "state") == app_state);
  CHECK(location.find("%252B") == std::string::npos);
  CHECK(location.find("state=a%2Bb%2Fc%3Dd%20%C3%A9") != std::string::npos);
  // The provider saw the broker's verifier for the broker's challenge.
  REQUIRE(rig.backend.sent.size() == 1);
  auto form = *parse_form(rig.backend.sent[0].body);
  CHECK(pkce_challenge_s256(*find_param(form, "code_verifier"))
        == Rig::param(to_provider, "code_challenge"));
}

TEST_CASE("broker: code, state and iss are appended to the redirect_uri's own query (C5)") {
  Rig rig;
  std::string location = rig.dance("http://127.0.0.1:3000/app?tenant=x");
  CHECK(location.rfind("http://127.0.0.1:3000/app?tenant=x&code=", 0) == 0);
  CHECK(location.find("&state=app-state&iss=http%3A%2F%2F127.0.0.1%3A8911") != std::string::npos);
}

TEST_CASE("broker: the code has 128+ bits, is one-time, lives 60 s, and a replay revokes (C6)") {
  Rig rig;
  std::string code = Rig::param(rig.dance(), "code");
  CHECK(code.size() >= 22);                        // 6 bits a character: 43 characters = 258 bits
  CHECK(rig.backend.codes.begin()->first != code); // stored as a hash only
  auto first = rig.exchange(code);
  CHECK(first.status == 200);
  auto body = json::parse(first.body);
  std::string id = body["credential"]["id"];
  CHECK(body["credential"]["properties"]["access_token"] == "provider-access-token");
  CHECK(body["state"] == "app-state");
  auto second = rig.exchange(code);
  CHECK(second.status == 400);
  CHECK(json::parse(second.body)["error"] == "invalid_grant");
  CHECK_FALSE(rig.backend.credentials.count(id)); // revoked

  std::string late = Rig::param(rig.dance(), "code");
  rig.clock += 61;
  auto expired = rig.exchange(late);
  CHECK(expired.status == 400);
  CHECK(json::parse(expired.body)["error"] == "invalid_grant");
}

TEST_CASE("broker: /token is no-store JSON; a wrong secret is 401 with WWW-Authenticate; PKCE "
          "must verify and cannot be downgraded (C7)") {
  Rig rig;
  std::string code = Rig::param(rig.dance(), "code");
  auto wrong = rig.exchange(code, "not-the-secret");
  CHECK(wrong.status == 401);
  CHECK(json::parse(wrong.body)["error"] == "invalid_client");
  CHECK(find_header(wrong.headers, "WWW-Authenticate"));
  CHECK(find_header(wrong.headers, "Cache-Control") == "no-store");
  CHECK(wrong.content_type == "application/json");

  // A flow with an app challenge: a wrong verifier fails, and so does none.
  std::string verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  std::string with_pkce = Rig::param(
      rig.dance("http://127.0.0.1:5173/cb/p",
                "&code_challenge=" + pkce_challenge_s256(verifier) + "&code_challenge_method=S256"),
      "code");
  auto form = [&](const std::string& c, const std::string& v) {
    return rig.post("/link/oauth2/token",
                    form_encode({{"grant_type", "authorization_code"},
                                 {"code", c},
                                 {"client_id", "app_a"},
                                 {"client_secret", k_secret},
                                 {"code_verifier", v}}),
                    {{"Content-Type", "application/x-www-form-urlencoded"}});
  };
  auto mismatch = form(with_pkce, "x" + verifier.substr(1));
  CHECK(mismatch.status == 400);
  CHECK(json::parse(mismatch.body)["error"] == "invalid_grant");
  // A verifier for a flow that had no challenge: a downgrade (RFC 9700 §4.8).
  auto downgrade = form(code, verifier);
  CHECK(downgrade.status == 400);
  CHECK(json::parse(downgrade.body)["error"] == "invalid_grant");

  std::string good = Rig::param(
      rig.dance("http://127.0.0.1:5173/cb/p",
                "&code_challenge=" + pkce_challenge_s256(verifier) + "&code_challenge_method=S256"),
      "code");
  CHECK(form(good, verifier).status == 200);

  // HTTP Basic with the right secret works as well as the body (RFC 6749 §2.3.1).
  std::string by_basic = Rig::param(rig.dance(), "code");
  auto basic = rig.post("/link/oauth2/token", form_encode({{"code", by_basic}}),
                        {{"Content-Type", "application/x-www-form-urlencoded"},
                         {"Authorization", "Basic " + base64("app_a:" + k_secret)}});
  CHECK(basic.status == 200);
}

TEST_CASE("broker: a failed client authentication does not burn the code; three do (C8)") {
  Rig rig;
  std::string code = Rig::param(rig.dance(), "code");
  std::string basic = "Basic " + base64("app_a:wrong-secret");
  auto failed =
      rig.post("/link/oauth2/token", form_encode({{"code", code}}),
               {{"Content-Type", "application/x-www-form-urlencoded"}, {"Authorization", basic}});
  CHECK(failed.status == 401);
  CHECK(rig.exchange(code).status == 200); // the same code, with the form secret

  std::string burnt = Rig::param(rig.dance(), "code");
  for (int i = 0; i < 3; ++i)
    CHECK(rig.exchange(burnt, "wrong").status == 401);
  auto after = rig.exchange(burnt);
  CHECK(after.status == 400);
  CHECK(json::parse(after.body)["error"] == "invalid_grant");
}

TEST_CASE("broker: a provider error is relayed percent-encoded, with state and iss (C9)") {
  Rig rig;
  auto start = rig.get("/link/oauth2/authorize",
                       "client_id=app_a&redirect_uri=http%3A%2F%2F127.0.0.1%3A5173%2Fcb%2Fp"
                       "&state=s1");
  auto state = Rig::param(*find_header(start.headers, "Location"), "state");
  auto back = rig.get("/link/oauth2/callback/p",
                      "error=access_denied&error_description=%D0%97%D0%B0%D0%BF%D1%80%D0%B5%D1%89"
                      "%D0%B5%D0%BD%D0%BE&state="
                          + state + "&iss=https%3A%2F%2Fas.example");
  REQUIRE(back.status == 302);
  std::string location = *find_header(back.headers, "Location");
  for (char c : location)
    CHECK((static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f));
  CHECK(Rig::param(location, "error") == "access_denied");
  CHECK(Rig::param(location, "error_description")
        == "\xd0\x97\xd0\xb0\xd0\xbf\xd1\x80\xd0\xb5"
           "\xd1\x89\xd0\xb5\xd0\xbd\xd0\xbe");
  CHECK(Rig::param(location, "state") == "s1");
  CHECK(Rig::param(location, "iss") == k_issuer);
  CHECK(rig.backend.sent.empty()); // no exchange
}

TEST_CASE("broker: metadata advertises iss, and its issuer is the iss of every redirect (C10)") {
  Rig rig;
  auto meta = json::parse(rig.get("/.well-known/oauth-authorization-server").body);
  CHECK(meta["authorization_response_iss_parameter_supported"] == true);
  CHECK(meta["issuer"] == k_issuer);
  CHECK(Rig::param(rig.dance(), "iss") == meta["issuer"]);
}

TEST_CASE("broker: the Host header is checked on every route (B3)") {
  Rig rig;
  ServerRequest r;
  r.method = "GET";
  r.path = "/.well-known/oauth-authorization-server";
  r.headers = {{"Host", "evil.example:8911"}};
  CHECK(rig.broker.handle(r).status == 421);
  r.headers = {};
  CHECK(rig.broker.handle(r).status == 421);
}

TEST_CASE("broker: debug=true names the fault and shows no secret, code or token (C11)") {
  Rig rig;
  rig.dance(); // a credential and a code exist
  auto page = rig.get("/link/oauth2/authorize",
                      "client_id=app_a&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fother"
                      "&scopes=%22bad%22&debug=true");
  CHECK(page.status == 400);
  CHECK_FALSE(find_header(page.headers, "Location"));
  CHECK(page.body.find("is not registered") != std::string::npos);
  CHECK(page.body.find("http://127.0.0.1/cb/p") != std::string::npos); // compared with
  CHECK(page.body.find("scopes is malformed") != std::string::npos);
  CHECK(page.body.find(k_secret) == std::string::npos);
  CHECK(page.body.find("provider-access-token") == std::string::npos);
  auto unknown = rig.get("/link/oauth2/authorize", "client_id=app_zz&debug=true");
  CHECK(unknown.body.find("unknown app id") != std::string::npos);
}

TEST_CASE("broker: the log line hides codes, states and secrets (E2)") {
  ServerRequest r;
  r.method = "GET";
  r.path = "/link/oauth2/callback/p";
  r.query = "code=SECRETCODE&state=SECRETSTATE&iss=x";
  std::string line = broker_log_line(r, 302);
  CHECK(line == "GET /link/oauth2/callback/p?code=[len=10]&state=[len=11]&iss=[len=1] 302");
  r.path = "/link/oauth2/start/TOKENTOKEN";
  r.query = "";
  CHECK(broker_log_line(r, 410) == "GET /link/oauth2/start/[len=10] 410");
}

TEST_CASE("broker: /v1 needs the API key; start-auth links work once; secrets masked") {
  Rig rig;
  Headers auth = {{"Authorization", "Bearer api-key-0123456789"}};
  CHECK(rig.get("/v1/credentials").status == 401);
  auto start = rig.post("/v1/credentials/start-auth",
                        R"({"oauth_app_id":"app_a","redirect_url":"http://127.0.0.1:4000/cb/p",)"
                        R"("state":"s9"})",
                        auth);
  REQUIRE(start.status == 201);
  std::string url = json::parse(start.body)["start_url"];
  auto parsed = parse_url(url);
  CHECK(rig.get(parsed->path).status == 302);
  CHECK(rig.get(parsed->path).status == 410);
  CHECK(rig.post("/v1/credentials/start-auth",
                 R"({"oauth_app_id":"app_a","redirect_url":"https://evil.example/cb"})", auth)
            .status
        == 400);

  ServerRequest list;
  list.method = "GET";
  list.path = "/v1/oauth-apps";
  list.headers = {{"Host", "127.0.0.1:8911"}, auth[0]};
  auto apps = rig.broker.handle(list);
  CHECK(apps.status == 200);
  CHECK(apps.body.find(k_secret) == std::string::npos);
  CHECK(json::parse(apps.body)["oauth_apps"][0]["client_secret"] == "********");

  std::string import = R"({"oauth_app_id":"app_a","properties":{"access_token":"imported-at"}})";
  auto first = rig.post("/v1/credentials", import, auth);
  auto again = rig.post("/v1/credentials", import, auth);
  CHECK(first.status == 201);
  CHECK(again.status == 200);
  CHECK(json::parse(first.body)["credential"]["id"] == json::parse(again.body)["credential"]["id"]);
  CHECK(rig.backend.credentials.size() == 1);
}

TEST_CASE("broker: a callback on another provider's path is refused, the flow kept (A6)") {
  Rig rig;
  auto start = rig.get("/link/oauth2/authorize",
                       "client_id=app_a&redirect_uri=http%3A%2F%2F127.0.0.1%3A5173%2Fcb%2Fp");
  auto state = Rig::param(*find_header(start.headers, "Location"), "state");
  auto query = "code=pc&state=" + state + "&iss=https%3A%2F%2Fas.example";
  CHECK(rig.get("/link/oauth2/callback/other", query).status == 400);
  CHECK(rig.backend.sent.empty());
  CHECK(rig.get("/link/oauth2/callback/p", query).status == 302);
  CHECK(rig.get("/link/oauth2/callback/p", query).status == 400); // state is single-use (A2)
}

TEST_CASE("broker: a refused provider exchange reaches the app as server_error, no code") {
  Rig rig;
  rig.backend.token_reply = {400,
                             {{"Content-Type", "application/json"}},
                             R"({"error":"invalid_grant","error_description":"echo pc"})"};
  std::string location = rig.dance();
  CHECK(Rig::param(location, "error") == "server_error");
  CHECK(Rig::param(location, "code") == "<absent>");
  CHECK(Rig::param(location, "state") == "app-state");
  CHECK(rig.backend.credentials.empty());
}

TEST_CASE("broker: post-authorization requests run after the exchange; their values are kept") {
  Rig rig;
  rig.backend.provider = test::provider_from("auth_method = \"client_secret_basic\"\n"
                                             "issuer = \"https://as.example\"\n"
                                             "[[p.post_authorization]]\n"
                                             "url = \"https://api.example/me\"\n"
                                             "keep = { account_id = \"accounts.0.id\" }\n"
                                             "required = true\n");
  rig.backend.replies["https://api.example/me"] = {
      200, {{"Content-Type", "application/json"}}, R"({"accounts":[{"id":"acct-from-api"}]})"};
  std::string location = rig.dance();
  REQUIRE(Rig::param(location, "code") != "<absent>");
  REQUIRE(rig.backend.credentials.size() == 1);
  const Credential& stored = rig.backend.credentials.begin()->second;
  CHECK(stored.tokens.extra.at("account_id") == "acct-from-api");
  const HttpRequest& asked = rig.backend.sent.back();
  CHECK(asked.url == "https://api.example/me");
  CHECK(find_header(asked.headers, "Authorization").value_or("") == "Bearer provider-access-token");

  SUBCASE("a required request that fails: the app gets server_error and nothing is stored") {
    Rig failing;
    failing.backend.provider = rig.backend.provider;
    failing.backend.replies["https://api.example/me"] = {500, {}, "down"};
    std::string back = failing.dance();
    CHECK(Rig::param(back, "error") == "server_error");
    CHECK(Rig::param(back, "code") == "<absent>");
    CHECK(failing.backend.credentials.empty());
  }
}
