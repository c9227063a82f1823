// See fetch_session_obligations.hpp.
#include "fetch_session_obligations.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <utility>

namespace kwire::test::conformance {

using kwire::tool::Json;

namespace {

constexpr std::int64_t kFetch = 1;
constexpr std::int64_t kNotFound = 70;  // FETCH_SESSION_ID_NOT_FOUND

std::int64_t field(const Json& body, std::string_view name, std::int64_t absent) {
  const Json* v = body.find(name);
  return v == nullptr ? absent : v->as_int();
}

struct Expected {
  std::int64_t id = 0, epoch = 0;
};

}  // namespace

FetchSessionReport check_fetch_sessions(const std::vector<Json>& frames) {
  FetchSessionReport report;
  std::vector<const Json*> fetches;
  for (const auto& f : frames)
    if (f.find("api_key")->as_int() == kFetch && f.find("api_version")->as_int() >= 7 && f.find("body") != nullptr)
      fetches.push_back(&f);
  std::stable_sort(fetches.begin(), fetches.end(), [](const Json* a, const Json* b) {
    return a->find("packet")->as_int() < b->find("packet")->as_int();
  });
  // Per connection: what the next request must carry, and the last request's epoch.
  std::map<std::pair<std::string, std::string>, Expected> next;
  std::map<std::pair<std::string, std::string>, std::int64_t> sent_epoch;
  for (const Json* f : fetches) {
    const std::pair<std::string, std::string> conn{f->find("client")->as_string(), f->find("server")->as_string()};
    const Json& body = *f->find("body");
    const std::string at = conn.first + " -> " + conn.second + " correlation " +
                           std::to_string(f->find("correlation_id")->as_int()) + ": ";
    const std::int64_t id = field(body, "SessionId", 0);
    const std::int64_t epoch = field(body, "SessionEpoch", -1);
    if (f->find("direction")->as_string() == "request") {
      ++report.requests;
      Expected& want = next[conn];
      sent_epoch[conn] = epoch;
      if (epoch == -1 && id != 0 && id == want.id) {
        const Json* topics = body.find("Topics");
        if (topics != nullptr && !topics->items().empty()) report.broken.push_back(at + "a session close names partitions");
        want = {};
        continue;
      }
      if (id != want.id || epoch != want.epoch)
        report.broken.push_back(at + "SessionId " + std::to_string(id) + ", SessionEpoch " + std::to_string(epoch) +
                                "; KIP-227 wants " + std::to_string(want.id) + ", " + std::to_string(want.epoch));
      if (epoch > 0) ++report.incremental;
      continue;
    }
    Expected& want = next[conn];
    const std::int64_t error = field(body, "ErrorCode", 0);
    const std::int64_t asked = sent_epoch.count(conn) ? sent_epoch[conn] : 0;
    if (asked == -1) {
      want = {};
    } else if (error == kNotFound) {
      want = {};
    } else if (error != 0) {
      want.epoch = 0;  // close the session, ask for a new one
    } else if (id == 0) {
      want = {};
    } else {
      want.id = id;
      want.epoch = asked <= 0 ? 1 : (asked == 0x7fffffff ? 1 : asked + 1);
    }
  }
  return report;
}

}  // namespace kwire::test::conformance
