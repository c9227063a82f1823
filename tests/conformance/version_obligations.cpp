// See version_obligations.hpp.
#include "version_obligations.hpp"

#include <string_view>

namespace kwire::test::conformance {

using kwire::tool::Json;

namespace {

std::string text_of(const Json& v) {
  switch (v.type()) {
    case Json::Type::null: return "<null>";
    case Json::Type::boolean: return v.as_bool() ? "true" : "false";
    case Json::Type::integer: return std::to_string(v.as_int());
    case Json::Type::string: return v.as_string();
    default: return v.dump(0);
  }
}

// Scalar values of members named `name` anywhere under `v`.
void collect(const Json& v, std::string_view name, std::vector<std::string>& out) {
  if (v.type() == Json::Type::object) {
    for (const auto& [key, child] : v.members()) {
      if (key == name && child.type() != Json::Type::object && child.type() != Json::Type::array)
        out.push_back(text_of(child));
      else
        collect(child, name, out);
    }
  } else if (v.type() == Json::Type::array) {
    for (const auto& item : v.items()) collect(item, name, out);
  }
}

}  // namespace

const std::vector<Obligation>& obligations() {
  static const std::vector<Obligation> rules = {
      {22, 3, "ProducerId", "-1", true, "KIP-360: a first init asks for a new id; the current id is sent only to bump after an abortable error"},
      {22, 3, "ProducerEpoch", "-1", true, "KIP-360: a first init asks for a new epoch; the current epoch is sent only to bump after an abortable error"},
      // Fetch v7+ SessionId/SessionEpoch follow the broker's answers (KIP-227):
      // fetch_session_obligations.hpp checks them request by request.
      // Fetch v9+ CurrentLeaderEpoch is the metadata's leader epoch since KIP-320
      // (ca26ac6): -1 only against brokers whose Metadata has none, so no fixed value.
      {1, 12, "LastFetchedEpoch", "-1", true, "KIP-595: no divergence (truncation) detection"},
      {3, 10, "TopicId", "00000000-0000-0000-0000-000000000000", true, "Metadata v10+: topics by name, never by id"},
      {3, 10, "Name", "<null>", false, "Metadata v10-11: a topic name must not be null"},
  };
  return rules;
}

ObligationReport check_obligations(const std::vector<Json>& frames) {
  const auto& rules = obligations();
  ObligationReport report;
  report.checked.assign(rules.size(), 0);
  report.version_sent.assign(rules.size(), false);
  for (const auto& frame : frames) {
    const Json* direction = frame.find("direction");
    const Json* body = frame.find("body");
    if (direction == nullptr || direction->as_string() != "request" || body == nullptr) continue;
    const auto key = frame.find("api_key")->as_int();
    const auto version = frame.find("api_version")->as_int();
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const auto& rule = rules[i];
      if (key != rule.api_key || version < rule.min_version) continue;
      report.version_sent[i] = true;
      std::vector<std::string> values;
      // Metadata's topic names: only those of the Topics array (not the header).
      collect(*body, rule.field, values);
      for (const auto& v : values) {
        ++report.checked[i];
        if ((v == rule.value) != rule.must_equal)
          report.broken.push_back(std::string(frame.find("api")->as_string()) + " v" + std::to_string(version) +
                                  " correlation " + std::to_string(frame.find("correlation_id")->as_int()) + ": " +
                                  rule.field + " = " + v + " (" + rule.meaning + ")");
      }
    }
  }
  return report;
}

}  // namespace kwire::test::conformance
