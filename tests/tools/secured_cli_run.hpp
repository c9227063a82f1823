// What the CLI security tests share (cli_security_test.cpp: TLS and
// SASL/PLAIN, cli_oauthbearer_test.cpp: OAUTHBEARER): -X settings appended to
// a command line, and runs of the subcommands that talk to brokers through a
// secured front end: produce, metadata and consume (SASL/PLAIN), or every one
// of them, with api-versions and demo (TLS, OAUTHBEARER).
// Header-only, like run_tool.hpp: tests/tools/ builds only *_test.cpp files.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "run_tool.hpp"

namespace kwire::test::cli {

// args, then "-X <setting>" for each setting.
inline std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& settings) {
  for (const std::string& s : settings) {
    args.push_back("-X");
    args.push_back(s);
  }
  return args;
}

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct SecuredRun {
  std::string bootstrap;               // the front end's
  std::vector<std::string> settings;   // -X settings of every command
  std::string topic;                   // produced to, listed, consumed from (one partition)
  std::string lines;                   // produced, then consumed back
  std::string demo_topic{};            // run_every_subcommand only
  std::string demo_messages{};         // demo -n; run_every_subcommand only
  std::string api_versions_says{};     // when not empty: api-versions prints it
};

// produce (required to succeed), then metadata and consume from the
// beginning: each exits 0; metadata lists the topic, consume prints what
// produce sent.
inline void produce_and_read_back(const SecuredRun& run) {
  const std::string& b = run.bootstrap;
  auto produced = run_tool(with({"produce", "-b", b, "-t", run.topic}, run.settings), run.lines);
  INFO("produce: " << produced.err);
  REQUIRE(produced.exit_code == 0);

  auto metadata = run_tool(with({"metadata", "-b", b, "-t", run.topic}, run.settings));
  INFO("metadata: " << metadata.out << metadata.err);
  CHECK(metadata.exit_code == 0);
  CHECK(contains(metadata.out, "topic \"" + run.topic + "\" with 1 partition"));

  auto consumed = run_tool(with({"consume", "-b", b, "-t", run.topic, "-o", "beginning", "-e"}, run.settings));
  INFO("consume: " << consumed.err);
  CHECK(consumed.exit_code == 0);
  CHECK(consumed.out == run.lines);
}

// produce_and_read_back, then api-versions and demo: each exits 0, demo says OK.
inline void run_every_subcommand(const SecuredRun& run) {
  produce_and_read_back(run);
  const std::string& b = run.bootstrap;
  auto versions = run_tool(with({"api-versions", "-b", b}, run.settings));
  INFO("api-versions: " << versions.err);
  CHECK(versions.exit_code == 0);
  if (!run.api_versions_says.empty()) CHECK(contains(versions.out, run.api_versions_says));

  auto demo = run_tool(with({"demo", "-b", b, "-t", run.demo_topic, "-n", run.demo_messages, "-s", "40"}, run.settings));
  INFO("demo: " << demo.out << demo.err);
  CHECK(demo.exit_code == 0);
  CHECK(contains(demo.out, "kwire demo: OK"));
}

}  // namespace kwire::test::cli
