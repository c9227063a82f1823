// Option parsing for the kwire tool (see args.hpp).
#include "cli/args.hpp"

#include <charconv>
#include <cstdio>

namespace kwire::tool {
namespace {

const OptionSpec* find_short(std::span<const OptionSpec> specs, char c) {
  for (const auto& s : specs)
    if (s.short_name == c) return &s;
  return nullptr;
}

const OptionSpec* find_long(std::span<const OptionSpec> specs, std::string_view name) {
  for (const auto& s : specs)
    if (!s.long_name.empty() && s.long_name == name) return &s;
  return nullptr;
}

std::string display(const OptionSpec& s) {
  if (s.short_name != 0) return std::string("-") + s.short_name;
  return "--" + std::string(s.long_name);
}

}  // namespace

std::optional<std::string> ParsedArgs::get(std::string_view key) const {
  auto it = values_.find(std::string(key));
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string ParsedArgs::get_or(std::string_view key, std::string fallback) const {
  auto v = get(key);
  return v ? *v : std::move(fallback);
}

const std::vector<std::string>& ParsedArgs::all(std::string_view key) const {
  static const std::vector<std::string> none;
  auto it = values_.find(std::string(key));
  return it == values_.end() ? none : it->second;
}

ParseResult parse_args(std::span<const OptionSpec> specs, int argc, char** argv, int first) {
  ParseResult out;
  bool options_done = false;
  auto store = [&](const OptionSpec& spec, std::string value) -> bool {
    if (!spec.repeatable && out.args.has(spec.key())) {
      out.error = "option " + display(spec) + " given more than once";
      return false;
    }
    out.args.add(spec.key(), std::move(value));
    return true;
  };
  for (int i = first; i < argc; ++i) {
    std::string_view a = argv[i];
    if (options_done || a.size() < 2 || a[0] != '-') {
      out.args.add_positional(std::string(a));
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    if (a == "-h" || a == "--help") {
      out.help = true;
      continue;
    }
    const OptionSpec* spec = nullptr;
    std::optional<std::string> inline_value;
    if (a.starts_with("--")) {
      auto body = a.substr(2);
      auto eq = body.find('=');
      spec = find_long(specs, body.substr(0, eq));
      if (eq != std::string_view::npos) inline_value = std::string(body.substr(eq + 1));
      if (!spec) {
        out.error = "unknown option --" + std::string(body.substr(0, eq));
        return out;
      }
    } else {
      spec = find_short(specs, a[1]);
      if (!spec) {
        out.error = std::string("unknown option -") + a[1];
        return out;
      }
      if (a.size() > 2) {
        if (!spec->takes_value()) {
          out.error = "option " + display(*spec) + " takes no value (got '" + std::string(a) + "')";
          return out;
        }
        inline_value = std::string(a.substr(2));
      }
    }
    if (!spec->takes_value()) {
      if (inline_value) {
        out.error = "option " + display(*spec) + " takes no value";
        return out;
      }
      if (!store(*spec, "")) return out;
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= argc) {
        out.error = "option " + display(*spec) + " needs a value (" + std::string(spec->value_name) + ")";
        return out;
      }
      inline_value = std::string(argv[++i]);
    }
    if (!store(*spec, std::move(*inline_value))) return out;
  }
  return out;
}

std::string usage(std::string_view synopsis, std::span<const OptionSpec> specs) {
  std::string out = "Usage: kwire " + std::string(synopsis) + "\n";
  for (const auto& s : specs) {
    std::string left = "  ";
    if (s.short_name != 0) left += std::string("-") + s.short_name;
    if (s.short_name != 0 && !s.long_name.empty()) left += ", ";
    if (!s.long_name.empty()) left += "--" + std::string(s.long_name);
    if (s.takes_value()) left += " " + std::string(s.value_name);
    if (left.size() < 28) left.resize(28, ' ');
    else left += "  ";
    out += left + std::string(s.help) + "\n";
  }
  out += "  -h, --help                  this help\n";
  return out;
}

int usage_error(const CommandSpec& command, std::string_view why) {
  std::fprintf(stderr, "kwire %.*s: %.*s\n%s", static_cast<int>(command.name.size()), command.name.data(),
               static_cast<int>(why.size()), why.data(), usage(command.synopsis, command.options).c_str());
  return 2;
}

ParseOutcome parse_or_usage(const CommandSpec& command, int argc, char** argv, int first) {
  ParseOutcome out;
  auto parsed = parse_args(command.options, argc, argv, first);
  if (parsed.help) {
    std::fputs(usage(command.synopsis, command.options).c_str(), stdout);
    out.exit_code = 0;
    return out;
  }
  if (!parsed.error.empty()) {
    out.exit_code = usage_error(command, parsed.error);
    return out;
  }
  if (!command.takes_positionals && !parsed.args.positionals().empty()) {
    out.exit_code = usage_error(command, "unexpected argument '" + parsed.args.positionals()[0] + "'");
    return out;
  }
  out.args = std::move(parsed.args);
  return out;
}

std::optional<std::int64_t> parse_int(std::string_view text, std::int64_t min, std::int64_t max) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  if (v < min || v > max) return std::nullopt;
  return v;
}

std::optional<std::pair<std::string, std::string>> split_property(std::string_view text) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  return std::make_pair(std::string(text.substr(0, eq)), std::string(text.substr(eq + 1)));
}

}  // namespace kwire::tool
