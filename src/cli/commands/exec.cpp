// SPDX-License-Identifier: MIT
// `oauthlink exec CRED... -- CMD [ARGS]`: runs CMD (no shell) with fresh tokens in its
// environment, under the names `credentials export --format env` prints, and passes its
// exit status through (a signal n gives 128+n). Tokens never go on argv.
#include "cli/commands/commands.hpp"
#include "error.hpp"
#include "flow/export.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>

extern char** environ;

namespace oauthlink::cli {

namespace {

struct ExecOptions {
  std::string prefix;
  bool prefix_given = false;
};

// The current environment with each of vars set (replacing any inherited value).
std::vector<std::string> child_environment(const flow::EnvVars& vars) {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string entry = *e;
    std::string name = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& var : vars)
      replaced = replaced || var.first == name;
    if (!replaced)
      out.push_back(std::move(entry));
  }
  for (const auto& [name, value] : vars)
    out.push_back(name + "=" + value);
  return out;
}

int run_command(const std::vector<std::string>& command, const flow::EnvVars& vars) {
  std::vector<std::string> env = child_environment(vars);
  std::vector<char*> argv;
  for (const auto& arg : command)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& entry : env)
    envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::cout.flush();
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), envp.data());
  if (rc != 0) {
    // As env(1) and shells do: 127 when the command is not found, 126 when it cannot run.
    std::cerr << "oauthlink: exec: cannot run '" << command[0] << "': " << std::strerror(rc)
              << '\n';
    return rc == ENOENT ? 127 : 126;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      throw Error(std::string("exec: waitpid: ") + std::strerror(errno));
  }
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return 1;
}

} // namespace

void register_exec(CLI::App& root, AppContext& ctx) {
  auto o = std::make_shared<ExecOptions>();
  auto* cmd = root.add_subcommand(
      "exec", "Run CMD with fresh tokens in its environment: exec CRED... -- CMD [ARGS]");
  cmd->add_option("--prefix", o->prefix,
                  "Variable name prefix (default: the provider, e.g. GITHUB)")
      ->each([o](const std::string&) { o->prefix_given = true; });
  // From the first credential on, CLI11 passes every argument through verbatim (with
  // "--"): credentials before "--", the command after.
  cmd->prefix_command();
  cmd->fallthrough(false);
  cmd->callback([&ctx, o, cmd] {
    std::vector<std::string> args = cmd->remaining();
    auto dashes = std::find(args.begin(), args.end(), "--");
    if (dashes == args.end())
      throw UsageError("exec: give the command after --: oauthlink exec CRED... -- CMD [ARGS]");
    std::vector<std::string> ids(args.begin(), dashes);
    std::vector<std::string> command(dashes + 1, args.end());
    if (ids.empty())
      throw UsageError("exec: name at least one credential before --");
    if (command.empty())
      throw UsageError("exec: no command after --");
    for (const auto& id : ids)
      if (!id.empty() && id[0] == '-')
        throw UsageError("exec: unknown option '" + id.substr(0, 40) + "'");
    std::vector<flow::Credential> credentials;
    for (const auto& id : ids)
      credentials.push_back(refresh_if_needed(ctx, id, std::nullopt, RefreshMode::when_needed));
    flow::EnvVars vars = flow::credentials_env(
        credentials, o->prefix_given ? std::optional<std::string>(o->prefix) : std::nullopt);
    ctx.exit_status = run_command(command, vars);
  });
}

} // namespace oauthlink::cli
