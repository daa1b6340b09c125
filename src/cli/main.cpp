// SPDX-License-Identifier: MIT
// oauthlink: OAuth2 for many providers from the command line. Errors are caught only here.
#include "cli/app_context.hpp"
#include "cli/commands/commands.hpp"
#include "cli/output.hpp"
#include "error.hpp"
#include "sys/signals.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

#ifndef OAUTHLINK_VERSION
#define OAUTHLINK_VERSION "0.0.0"
#endif

namespace oauthlink::cli {

namespace {

int run(int argc, char** argv) {
  CLI::App app{"oauthlink: OAuth2 credentials for many API providers, from your terminal.\n"
               "Register an app, connect it in the browser, and get fresh tokens.",
               "oauthlink"};
  app.set_version_flag("--version", std::string("oauthlink ") + OAUTHLINK_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  AppContext ctx;
  app.add_option("--home", ctx.options.home,
                 "Directory of the store (default: $OAUTHLINK_HOME, else the XDG data "
                 "directory)");
  app.add_option("--catalog", ctx.options.catalog,
                 "Provider catalog file (default: $OAUTHLINK_CATALOG, else the installed one)");
  app.add_flag("-v,--verbose", ctx.options.verbose,
               "Log each provider request on stderr (secrets redacted)");
  app.add_flag("-q,--quiet", ctx.options.quiet, "Print only results and errors");
  // Before the command name, --timeout is this (issue 6's name); after `connect` it is the
  // browser wait.
  app.add_option("--http-timeout,--timeout", ctx.options.http_timeout,
                 "Seconds each provider call may take (default 30); before the command name "
                 "--timeout means the same")
      ->check(CLI::Range(1L, 600L));
  app.add_option("--ca-file", ctx.options.ca_file,
                 "CA certificates (PEM) to verify providers with (default: $SSL_CERT_FILE, "
                 "else the system's)");

  register_providers(app, ctx);
  register_apps(app, ctx);
  register_redirects(app, ctx);
  register_connect(app, ctx);
  register_credentials(app, ctx);
  register_sandbox(app, ctx);
  register_token(app, ctx);
  register_doctor(app, ctx);
  register_status(app, ctx);
  register_exec(app, ctx);
  register_api(app, ctx);
  register_serve(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ExtrasError&) {
    // Its message lists the stray words, which may be a secret given to a mistyped option.
    throw UsageError("unexpected arguments; check the spelling of the options (see --help)");
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0)
      return app.exit(e);
    throw UsageError(std::string(e.what()) + " (see --help)");
  }
  return ctx.exit_status;
}

} // namespace

} // namespace oauthlink::cli

namespace {

const char* kind_of(oauthlink::ExitCode code) {
  using oauthlink::ExitCode;
  switch (code) {
  case ExitCode::usage:
    return "usage";
  case ExitCode::provider:
    return "provider";
  case ExitCode::login:
    return "login_required";
  case ExitCode::timeout:
    return "timeout";
  case ExitCode::network:
    return "network";
  case ExitCode::config:
    return "config";
  case ExitCode::interrupted:
    return "interrupted";
  case ExitCode::internal:
    return "internal";
  default:
    return "failure";
  }
}

// With --json anywhere on the command line, an error is one JSON object on stderr, so
// that scripts parse it as they parse results; otherwise one plain line.
int report(bool json, oauthlink::ExitCode code, const std::string& prefix, const char* what) {
  if (json)
    std::cerr << nlohmann::json{{"error",
                                 {{"kind", kind_of(code)},
                                  {"exit_code", static_cast<int>(code)},
                                  {"message", what}}}}
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
              << '\n';
  else
    std::cerr << prefix << oauthlink::cli::terminal_safe(what) << '\n';
  return static_cast<int>(code);
}

} // namespace

int main(int argc, char** argv) {
  using oauthlink::ExitCode;
  bool json = false;
  // Errors come as JSON when --json is among oauthlink's own arguments; after "--" the
  // arguments belong to the command `exec` runs.
  for (int i = 1; i < argc && std::string(argv[i]) != "--"; ++i)
    json = json || std::string(argv[i]) == "--json";
  oauthlink::sys::install_signal_handlers();
  try {
    return oauthlink::cli::run(argc, argv);
  } catch (const oauthlink::UsageError& e) {
    return report(json, ExitCode::usage, "oauthlink: ", e.what());
  } catch (const oauthlink::Error& e) {
    return report(json, e.code(), "oauthlink: error: ", e.what());
  } catch (const std::exception& e) {
    return report(json, ExitCode::internal, "oauthlink: internal error: ", e.what());
  }
}
