// Command-line option parsing for the kwire tool's subcommands. Flag names
// follow kcat where kcat has one (-b brokers, -t topic, -p partition, -o
// offset, -e exit at end, -c count, -k key, -K delimiter, -H header, -X
// property). Each subcommand declares its options in a table; parse_args()
// turns argv into values or a one-line error naming the bad flag.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kwire::tool {

struct OptionSpec {
  char short_name = 0;              // 0: long form only
  std::string_view long_name;       // "" : short form only
  std::string_view value_name;      // "" : a flag that takes no value
  std::string_view help;
  bool repeatable = false;          // -H and -X may be given many times

  bool takes_value() const noexcept { return !value_name.empty(); }
  // The key values are stored under: the long name when there is one.
  std::string key() const { return long_name.empty() ? std::string(1, short_name) : std::string(long_name); }
};

class ParsedArgs {
 public:
  bool has(std::string_view key) const { return values_.count(std::string(key)) != 0; }
  std::optional<std::string> get(std::string_view key) const;
  std::string get_or(std::string_view key, std::string fallback) const;
  const std::vector<std::string>& all(std::string_view key) const;
  const std::vector<std::string>& positionals() const noexcept { return positionals_; }

  void add(const std::string& key, std::string value) { values_[key].push_back(std::move(value)); }
  void add_positional(std::string value) { positionals_.push_back(std::move(value)); }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
};

struct ParseResult {
  ParsedArgs args;
  std::string error;  // empty on success
  bool help = false;  // -h/--help was given
};

// What a subcommand tells its user on --help and on a usage error.
struct CommandSpec {
  std::string_view name;                  // "consume", "perf produce": after "kwire " in messages
  std::string_view synopsis;              // after "Usage: kwire "
  std::span<const OptionSpec> options;
  bool takes_positionals = false;         // false: any positional argument is a usage error
};

// Parses argv[first..argc). Accepts "-b X", "-bX", "--long X", "--long=X",
// and "--" to end options. A flag not in specs, a missing value or a
// non-repeatable flag given twice is an error.
ParseResult parse_args(std::span<const OptionSpec> specs, int argc, char** argv, int first);

// "Usage: kwire <synopsis>" followed by one line per option.
std::string usage(std::string_view synopsis, std::span<const OptionSpec> specs);

// Prints "kwire <name>: <why>" and the usage on stderr; returns 2 (bad usage).
int usage_error(const CommandSpec& command, std::string_view why);

// The preamble every subcommand shares: parses argv[first..argc); on -h/--help
// prints the usage on stdout and yields exit code 0; on a bad flag (or a
// positional argument the command does not take) reports a usage error and
// yields exit code 2. `args` is set only when the command should go on.
struct ParseOutcome {
  std::optional<ParsedArgs> args;
  int exit_code = 0;  // meaningful only when args is empty
};
ParseOutcome parse_or_usage(const CommandSpec& command, int argc, char** argv, int first);

// Parses a whole decimal number in [min, max]; nullopt for anything else.
std::optional<std::int64_t> parse_int(std::string_view text, std::int64_t min, std::int64_t max);

// Splits "name=value" at the first '='; nullopt without one or with an empty name.
std::optional<std::pair<std::string, std::string>> split_property(std::string_view text);

}  // namespace kwire::tool
