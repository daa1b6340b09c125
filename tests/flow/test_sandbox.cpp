// SPDX-License-Identifier: MIT
#include "flow/pkce.hpp"
#include "flow/sandbox.hpp"
#include "flow/url.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>

using namespace oauthlink::flow;
using json = nlohmann::json;

namespace {

constexpr const char* k_issuer = "http://127.0.0.1:8765";
constexpr const char* k_verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr const char* k_challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
constexpr const char* k_redirect = "http://127.0.0.1:5173/cb?tenant=x";

// A sandbox with a counter-based random source and a clock the test moves.
struct Harness {
  int64_t clock = 1'700'000'000;
  int counter = 0;
  Sandbox sandbox;

  explicit Harness(bool auto_approve = true)
      : sandbox(
          make_options(auto_approve),
          [this](size_t n) {
            std::string out = "r" + std::to_string(++counter);
            out.resize(n, 'x');
            return out;
          },
          [this] { return clock; }) {}

  static SandboxOptions make_options(bool auto_approve) {
    SandboxOptions options;
    options.issuer = k_issuer;
    options.auto_approve = auto_approve;
    options.clients = {{"basic-app", "s3cret:+/", "client_secret_basic"},
                       {"post-app", "post-secret", "client_secret_post"},
                       {"public-app", "", "none"}};
    options.code_ttl = 60;
    options.access_token_ttl = 3600;
    return options;
  }

  ServerReply get(const std::string& path, const std::string& query = "", Headers headers = {}) {
    return sandbox.handle({"GET", path, query, std::move(headers), "", "127.0.0.1"});
  }
  ServerReply post(const std::string& path, const std::string& body, Headers headers = {}) {
    headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    return sandbox.handle({"POST", path, "", std::move(headers), body, "127.0.0.1"});
  }
};

std::string authorize_query(const std::string& client_id, const std::string& redirect = k_redirect,
                            const std::string& challenge = k_challenge) {
  return form_encode({{"response_type", "code"},
                      {"client_id", client_id},
                      {"redirect_uri", redirect},
                      {"scope", "openid profile"},
                      {"state", "a+b/c=d é"},
                      {"code_challenge", challenge},
                      {"code_challenge_method", "S256"}});
}

std::string location(const ServerReply& reply) {
  return find_header(reply.headers, "Location").value_or("");
}

// Query parameters of the Location header.
Params redirect_params(const ServerReply& reply) {
  auto url = parse_url(location(reply));
  REQUIRE(url);
  auto params = parse_form(url->query);
  REQUIRE(params);
  return *params;
}

std::string code_from(const ServerReply& reply) {
  REQUIRE(reply.status == 302);
  return find_param(redirect_params(reply), "code").value_or("");
}

// Client authentication for the three test clients.
void add_auth(const std::string& client_id, Params& body, Headers& headers) {
  if (client_id == "basic-app")
    headers.emplace_back(
        "Authorization",
        "Basic " + base64(percent_encode("basic-app") + ":" + percent_encode("s3cret:+/")));
  else if (client_id == "post-app")
    body.insert(body.end(), {{"client_id", "post-app"}, {"client_secret", "post-secret"}});
  else
    body.emplace_back("client_id", client_id);
}

ServerReply exchange(Harness& h, const std::string& client_id, const std::string& code,
                     const std::string& redirect = k_redirect,
                     const std::string& verifier = k_verifier) {
  Params body{{"grant_type", "authorization_code"},
              {"code", code},
              {"redirect_uri", redirect},
              {"code_verifier", verifier}};
  Headers headers;
  add_auth(client_id, body, headers);
  return h.post("/token", form_encode(body), headers);
}

ServerReply refresh(Harness& h, const std::string& client_id, const std::string& token) {
  Params body{{"grant_type", "refresh_token"}, {"refresh_token", token}};
  Headers headers;
  add_auth(client_id, body, headers);
  return h.post("/token", form_encode(body), headers);
}

ServerReply userinfo(Harness& h, const std::string& access_token) {
  return h.get("/userinfo", "", {{"Authorization", "Bearer " + access_token}});
}

json body_of(const ServerReply& reply) {
  return json::parse(reply.body);
}

std::string error_of(const ServerReply& reply) {
  return body_of(reply).value("error", std::string("(none)"));
}

} // namespace

TEST_CASE("sandbox metadata advertises the endpoints and capabilities") {
  Harness h;
  for (const char* path :
       {"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}) {
    auto reply = h.get(path);
    REQUIRE(reply.status == 200);
    CHECK(reply.content_type == "application/json");
    auto meta = body_of(reply);
    CHECK(meta["issuer"] == k_issuer);
    CHECK(meta["authorization_endpoint"] == std::string(k_issuer) + "/authorize");
    CHECK(meta["token_endpoint"] == std::string(k_issuer) + "/token");
    CHECK(meta["userinfo_endpoint"] == std::string(k_issuer) + "/userinfo");
    CHECK(meta["revocation_endpoint"] == std::string(k_issuer) + "/revoke");
    CHECK(meta["response_types_supported"] == json{"code"});
    CHECK(meta["grant_types_supported"] == json{"authorization_code", "refresh_token"});
    CHECK(meta["code_challenge_methods_supported"] == json{"S256"});
    CHECK(meta["token_endpoint_auth_methods_supported"]
          == json{"client_secret_basic", "client_secret_post", "none"});
    CHECK(meta["scopes_supported"] == json{"openid", "profile", "email", "offline_access"});
    CHECK(meta["authorization_response_iss_parameter_supported"] == true);
  }
}

TEST_CASE("sandbox auto-approve code flow works for basic, post and public clients") {
  for (const char* client : {"basic-app", "post-app", "public-app"}) {
    CAPTURE(client);
    Harness h;
    auto auth = h.get("/authorize", authorize_query(client));
    REQUIRE(auth.status == 302);
    // The existing query survives and state comes back byte-exact, encoded once.
    CHECK(location(auth).rfind("http://127.0.0.1:5173/cb?tenant=x&code=", 0) == 0);
    CHECK(location(auth).find("%252B") == std::string::npos);
    auto params = redirect_params(auth);
    CHECK(find_param(params, "state") == "a+b/c=d é");
    CHECK(find_param(params, "iss") == k_issuer);
    auto code = code_from(auth);
    CHECK(code.size() == 32);

    auto token = exchange(h, client, code);
    REQUIRE(token.status == 200);
    CHECK(find_header(token.headers, "Cache-Control") == "no-store");
    CHECK(find_header(token.headers, "Pragma") == "no-cache");
    auto tokens = body_of(token);
    CHECK(tokens["token_type"] == "Bearer");
    CHECK(tokens["expires_in"] == 3600);
    CHECK(tokens["scope"] == "openid profile");
    CHECK(tokens["access_token"].get<std::string>().size() == 40);
    CHECK(tokens["refresh_token"].get<std::string>().size() == 40);

    auto info = userinfo(h, tokens["access_token"]);
    REQUIRE(info.status == 200);
    CHECK(body_of(info)
          == json{{"sub", "sandbox-user"},
                  {"name", "Sandbox User"},
                  {"email", "user@sandbox.invalid"},
                  {"email_verified", true}});
  }
}

TEST_CASE("sandbox consent page approves and denies") {
  Harness h(false);
  auto extract_request = [](const ServerReply& page) {
    const std::string marker = "name=\"request\" value=\"";
    auto pos = page.body.find(marker);
    REQUIRE(pos != std::string::npos);
    pos += marker.size();
    return page.body.substr(pos, page.body.find('"', pos) - pos);
  };

  auto page = h.get("/authorize", authorize_query("public-app"));
  REQUIRE(page.status == 200);
  CHECK(page.body.find("<form method=\"post\" action=\"/authorize/decision\">")
        != std::string::npos);
  CHECK(page.body.find("value=\"approve\">Approve</button>") != std::string::npos);
  CHECK(page.body.find("value=\"deny\">Deny</button>") != std::string::npos);
  CHECK(page.body.find("public-app") != std::string::npos);
  auto csp = find_header(page.headers, "Content-Security-Policy").value_or("");
  CHECK(csp.find("form-action 'self' http://127.0.0.1:5173") != std::string::npos);

  auto id = extract_request(page);
  CHECK(id.size() == 32);
  auto approved =
      h.post("/authorize/decision", form_encode({{"request", id}, {"decision", "approve"}}));
  auto code = code_from(approved);
  CHECK(find_param(redirect_params(approved), "iss") == k_issuer);
  CHECK(exchange(h, "public-app", code).status == 200);

  // Single use.
  auto again =
      h.post("/authorize/decision", form_encode({{"request", id}, {"decision", "approve"}}));
  CHECK(again.status == 400);
  CHECK(location(again).empty());

  auto second = extract_request(h.get("/authorize", authorize_query("public-app")));
  auto denied =
      h.post("/authorize/decision", form_encode({{"request", second}, {"decision", "deny"}}));
  REQUIRE(denied.status == 302);
  CHECK(location(denied).find("error=access_denied&error_description=The%20user%20denied%20access")
        != std::string::npos);
  auto params = redirect_params(denied);
  CHECK(find_param(params, "error_description") == "The user denied access");
  CHECK(find_param(params, "state") == "a+b/c=d é");
  CHECK(find_param(params, "iss") == k_issuer);
  CHECK_FALSE(find_param(params, "code"));

  // Pending requests expire after 10 minutes.
  auto third = extract_request(h.get("/authorize", authorize_query("public-app")));
  h.clock += 601;
  CHECK(h.post("/authorize/decision", form_encode({{"request", third}, {"decision", "approve"}}))
            .status
        == 400);
}

TEST_CASE("sandbox consent page escapes what it shows") {
  Harness h(false);
  auto page = h.get("/authorize", authorize_query("public-app", "https://app.example/<b>\"x"));
  REQUIRE(page.status == 200);
  CHECK(page.body.find("<b>") == std::string::npos);
  CHECK(page.body.find("&lt;b&gt;&quot;x") != std::string::npos);
}

TEST_CASE("sandbox rejects a wrong PKCE verifier with invalid_grant") {
  Harness h;
  auto code = code_from(h.get("/authorize", authorize_query("public-app")));
  auto reply =
      exchange(h, "public-app", code, k_redirect, "wrongwrongwrongwrongwrongwrongwrongwrongwrong");
  CHECK(reply.status == 400);
  CHECK(error_of(reply) == "invalid_grant");

  // A verifier of an invalid shape is the same answer, not a crash.
  auto other = code_from(h.get("/authorize", authorize_query("public-app")));
  auto bad_shape = exchange(h, "public-app", other, k_redirect, "short!");
  CHECK(bad_shape.status == 400);
  CHECK(error_of(bad_shape) == "invalid_grant");
}

TEST_CASE("sandbox rejects a redirect_uri mismatch with invalid_grant") {
  Harness h;
  auto code = code_from(h.get("/authorize", authorize_query("public-app")));
  auto reply = exchange(h, "public-app", code, "http://127.0.0.1:5173/cb?tenant=y");
  CHECK(reply.status == 400);
  CHECK(error_of(reply) == "invalid_grant");
}

TEST_CASE("sandbox code replay is refused and revokes the tokens issued for it") {
  Harness h;
  auto code = code_from(h.get("/authorize", authorize_query("basic-app")));
  auto first = exchange(h, "basic-app", code);
  REQUIRE(first.status == 200);
  auto tokens = body_of(first);
  REQUIRE(userinfo(h, tokens["access_token"]).status == 200);

  auto replay = exchange(h, "basic-app", code);
  CHECK(replay.status == 400);
  CHECK(error_of(replay) == "invalid_grant");

  auto info = userinfo(h, tokens["access_token"]);
  CHECK(info.status == 401);
  CHECK(find_header(info.headers, "WWW-Authenticate") == "Bearer error=\"invalid_token\"");
  CHECK(error_of(refresh(h, "basic-app", tokens["refresh_token"])) == "invalid_grant");
}

TEST_CASE("sandbox codes expire after code_ttl") {
  Harness h;
  auto code = code_from(h.get("/authorize", authorize_query("public-app")));
  h.clock += 61;
  auto reply = exchange(h, "public-app", code);
  CHECK(reply.status == 400);
  CHECK(error_of(reply) == "invalid_grant");

  auto fresh = code_from(h.get("/authorize", authorize_query("public-app")));
  h.clock += 60;
  CHECK(exchange(h, "public-app", fresh).status == 200);
}

TEST_CASE("sandbox never redirects for an unknown client or a bad redirect_uri") {
  Harness h;
  auto unknown = h.get("/authorize", authorize_query("nobody"));
  CHECK(unknown.status == 400);
  CHECK_FALSE(find_header(unknown.headers, "Location"));

  for (const char* bad : {"http://evil.example/cb", "http://127.0.0.1.evil.com/cb",
                          "http://127.0.0.1@evil.com/cb", "http://127.0.0.1/cb#frag",
                          "http://127.0.0.1/cb\r\nSet-Cookie:x", "javascript:alert(1)", ""}) {
    CAPTURE(bad);
    auto reply = h.get("/authorize", authorize_query("public-app", bad));
    CHECK(reply.status == 400);
    CHECK_FALSE(find_header(reply.headers, "Location"));
  }
  for (const char* good : {"http://[::1]:9/cb", "http://localhost:3000/", "https://app.example/x"})
    CHECK(h.get("/authorize", authorize_query("public-app", good)).status == 302);
}

TEST_CASE("sandbox sends authorization errors back to a valid redirect_uri") {
  Harness h;
  auto no_pkce = h.get("/authorize", form_encode({{"response_type", "code"},
                                                  {"client_id", "basic-app"},
                                                  {"redirect_uri", k_redirect},
                                                  {"state", "S"}}));
  REQUIRE(no_pkce.status == 302);
  auto params = redirect_params(no_pkce);
  CHECK(find_param(params, "error") == "invalid_request");
  CHECK(find_param(params, "state") == "S");
  CHECK(find_param(params, "iss") == k_issuer);

  auto plain = h.get("/authorize", form_encode({{"response_type", "code"},
                                                {"client_id", "public-app"},
                                                {"redirect_uri", k_redirect},
                                                {"code_challenge", k_verifier},
                                                {"code_challenge_method", "plain"}}));
  CHECK(find_param(redirect_params(plain), "error") == "invalid_request");

  auto implicit = h.get("/authorize", form_encode({{"response_type", "token"},
                                                   {"client_id", "public-app"},
                                                   {"redirect_uri", k_redirect},
                                                   {"code_challenge", k_challenge},
                                                   {"code_challenge_method", "S256"}}));
  CHECK(find_param(redirect_params(implicit), "error") == "unsupported_response_type");
  CHECK_FALSE(find_param(redirect_params(implicit), "state"));
}

TEST_CASE("sandbox rotates refresh tokens and rejects the old one") {
  Harness h;
  auto tokens =
      body_of(exchange(h, "post-app", code_from(h.get("/authorize", authorize_query("post-app")))));
  std::string rt1 = tokens["refresh_token"];
  auto first = refresh(h, "post-app", rt1);
  REQUIRE(first.status == 200);
  auto rotated = body_of(first);
  std::string rt2 = rotated["refresh_token"];
  CHECK(rt2 != rt1);
  CHECK(userinfo(h, rotated["access_token"]).status == 200);

  auto old = refresh(h, "post-app", rt1);
  CHECK(old.status == 400);
  CHECK(error_of(old) == "invalid_grant");
  CHECK(refresh(h, "post-app", rt2).status == 200);

  // Another client cannot use it.
  auto stolen =
      refresh(h, "public-app", body_of(refresh(h, "post-app", rt2)).value("refresh_token", ""));
  CHECK(error_of(stolen) == "invalid_grant");
}

TEST_CASE("sandbox refresh may narrow the scope but never widen it") {
  Harness h;
  auto tokens = body_of(
      exchange(h, "public-app", code_from(h.get("/authorize", authorize_query("public-app")))));
  std::string rt = tokens["refresh_token"];
  auto wider = h.post("/token", form_encode({{"grant_type", "refresh_token"},
                                             {"refresh_token", rt},
                                             {"client_id", "public-app"},
                                             {"scope", "openid email"}}));
  CHECK(error_of(wider) == "invalid_scope");
  auto narrower = h.post("/token", form_encode({{"grant_type", "refresh_token"},
                                                {"refresh_token", rt},
                                                {"client_id", "public-app"},
                                                {"scope", "profile"}}));
  REQUIRE(narrower.status == 200);
  CHECK(body_of(narrower)["scope"] == "profile");
  // The new refresh token keeps the original grant.
  auto back = refresh(h, "public-app", body_of(narrower)["refresh_token"]);
  CHECK(body_of(back)["scope"] == "openid profile");
}

TEST_CASE("sandbox access tokens expire") {
  Harness h;
  auto tokens = body_of(
      exchange(h, "public-app", code_from(h.get("/authorize", authorize_query("public-app")))));
  h.clock += 3601;
  CHECK(userinfo(h, tokens["access_token"]).status == 401);
}

TEST_CASE("sandbox revocation") {
  Harness h;
  auto tokens = body_of(
      exchange(h, "basic-app", code_from(h.get("/authorize", authorize_query("basic-app")))));
  Headers auth{{"Authorization", "Basic " + base64("basic-app:s3cret%3A%2B%2F")}};

  CHECK(h.post("/revoke", "token=unknown", auth).status == 200);
  CHECK(h.post("/revoke", "token=x").status == 401);

  std::string at = tokens["access_token"];
  std::string rt = tokens["refresh_token"];
  CHECK(h.post("/revoke", form_encode({{"token", at}, {"token_type_hint", "access_token"}}), auth)
            .status
        == 200);
  CHECK(userinfo(h, at).status == 401);
  auto renewed = body_of(refresh(h, "basic-app", rt));
  std::string at2 = renewed["access_token"];
  std::string rt2 = renewed["refresh_token"];
  REQUIRE(userinfo(h, at2).status == 200);

  // Revoking the refresh token takes its access tokens along.
  CHECK(h.post("/revoke", form_encode({{"token", rt2}}), auth).status == 200);
  CHECK(userinfo(h, at2).status == 401);
  CHECK(error_of(refresh(h, "basic-app", rt2)) == "invalid_grant");
}

TEST_CASE("sandbox client authentication failures are 401 invalid_client") {
  Harness h;
  auto code = code_from(h.get("/authorize", authorize_query("basic-app")));
  Params body{{"grant_type", "authorization_code"},
              {"code", code},
              {"redirect_uri", k_redirect},
              {"code_verifier", k_verifier}};
  auto wrong =
      h.post("/token", form_encode(body), {{"Authorization", "Basic " + base64("basic-app:nope")}});
  CHECK(wrong.status == 401);
  CHECK(error_of(wrong) == "invalid_client");
  CHECK(find_header(wrong.headers, "WWW-Authenticate") == "Basic realm=\"sandbox\"");

  CHECK(h.post("/token", form_encode(body), {{"Authorization", "Basic !!!"}}).status == 401);
  // A secret sent with the wrong method for the client is refused too.
  Params post_style = body;
  post_style.insert(post_style.end(), {{"client_id", "basic-app"}, {"client_secret", "s3cret:+/"}});
  CHECK(h.post("/token", form_encode(post_style)).status == 401);
  // A public client presenting a secret is refused.
  CHECK(h.post("/token", "grant_type=refresh_token&refresh_token=x&client_id=public-app"
                         "&client_secret=y")
            .status
        == 401);

  // Failed authentication did not burn the code (SECURITY.md C8).
  CHECK(exchange(h, "basic-app", code).status == 200);
}

TEST_CASE("sandbox token endpoint error shapes") {
  Harness h;
  auto unsupported = h.post("/token", "grant_type=password&client_id=public-app");
  CHECK(unsupported.status == 400);
  CHECK(error_of(unsupported) == "unsupported_grant_type");
  CHECK(error_of(h.post("/token", "client_id=public-app&code=a&code=b")) == "invalid_request");
  CHECK(error_of(h.post("/token", "client_id=public-app&grant_type=%ZZ")) == "invalid_request");
}

TEST_CASE("sandbox survives malformed input") {
  Harness h;
  for (const char* query : {"client_id=public-app&state=%E0%A4%A", "%", "a=%G1"}) {
    auto reply = h.get("/authorize", query);
    CHECK(reply.status == 400);
    CHECK_FALSE(find_header(reply.headers, "Location"));
  }
  CHECK(h.post("/authorize/decision", "request=%ZZ").status == 400);
  CHECK(h.get("/userinfo").status == 401);
  CHECK(h.get("/userinfo", "", {{"Authorization", "Bearer"}}).status == 401);
  CHECK(h.post("/token", std::string(64 * 1024 + 1, 'a')).status == 413);
  // Still alive.
  CHECK(h.get("/.well-known/oauth-authorization-server").status == 200);
}

TEST_CASE("sandbox routing: home, 404 and 405") {
  Harness h;
  auto home = h.get("/");
  CHECK(home.status == 200);
  CHECK(home.body.find("/authorize") != std::string::npos);
  CHECK(h.get("/nope").status == 404);
  CHECK(h.get("/token").status == 405);
  CHECK(h.post("/authorize", "").status == 405);
}

TEST_CASE("sandbox secrets never appear in replies") {
  Harness h;
  auto wrong = h.post("/token", "grant_type=refresh_token&client_id=post-app&client_secret=guess");
  CHECK(wrong.body.find("guess") == std::string::npos);
  CHECK(wrong.body.find("post-secret") == std::string::npos);
}
