// SPDX-License-Identifier: MIT
#include "sys/browser.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <thread>

extern char** environ;

namespace oauthlink::sys {

std::vector<std::string> split_command(const std::string& command) {
  std::vector<std::string> words;
  std::string current;
  bool in_word = false;
  char quote = 0;
  for (char c : command) {
    if (quote) {
      if (c == quote)
        quote = 0;
      else
        current += c;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word)
        words.push_back(current);
      current.clear();
      in_word = false;
    } else {
      current += c;
      in_word = true;
    }
  }
  if (in_word)
    words.push_back(current);
  return words;
}

bool SystemBrowser::open(const std::string& url) {
  const char* env = std::getenv("BROWSER");
  std::vector<std::string> argv_words =
      env && *env ? split_command(env) : std::vector<std::string>{"xdg-open"};
  if (argv_words.empty())
    return false;
  argv_words.push_back(url);
  std::vector<char*> argv;
  for (auto& word : argv_words)
    argv.push_back(word.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0)
    return false;
  // Reap the child whenever it exits; the flow never waits for it (xdg-open may block).
  std::thread([pid] {
    int status = 0;
    waitpid(pid, &status, 0);
  }).detach();
  return true;
}

} // namespace oauthlink::sys
