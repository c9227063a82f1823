// The delivery invariants (see delivery_invariants.hpp).
#include "delivery_invariants.hpp"

#include <sstream>

namespace kwire::test {
namespace {

class Checker {
 public:
  Checker(const std::vector<SentId>& sent, const std::map<std::uint64_t, DeliveryReport>& reports,
          const InvariantOptions& options, Verdict& verdict)
      : sent_(sent), reports_(reports), options_(options), v_(verdict) {
    for (std::size_t i = 0; i < sent.size(); ++i) order_[sent[i].id] = i;
  }

  void reports_fired_once() {
    for (const auto& s : sent_) {
      auto it = reports_.find(s.id);
      const int fired = it == reports_.end() ? 0 : it->second.fired;
      if (fired != 1) fail("id " + std::to_string(s.id) + ": report fired " + std::to_string(fired) + " times");
    }
    for (const auto& [id, r] : reports_)
      if (!order_.count(id)) fail("id " + std::to_string(id) + ": reported but never sent");
  }

  // Copies, unknown ids and order of one view of the log.
  std::map<std::uint64_t, std::vector<LoggedId>> copies(const std::vector<LoggedId>& log, const char* view) {
    std::map<std::uint64_t, std::vector<LoggedId>> out;
    std::map<std::int32_t, std::pair<std::size_t, std::uint64_t>> last;  // partition -> (send index, id)
    for (const auto& rec : log) {
      out[rec.id].push_back(rec);
      auto it = order_.find(rec.id);
      if (it == order_.end()) {
        fail(std::string(view) + ": id " + std::to_string(rec.id) + " in the log was never sent");
        continue;
      }
      auto prev = last.find(rec.partition);
      if (prev != last.end() && prev->second.first >= it->second)
        fail(std::string(view) + ": partition " + std::to_string(rec.partition) + " offset " +
             std::to_string(rec.offset) + ": id " + std::to_string(rec.id) + " after id " +
             std::to_string(prev->second.second));
      last[rec.partition] = {it->second, rec.id};
    }
    for (const auto& [id, where] : out)
      if (where.size() > 1) fail(std::string(view) + ": id " + std::to_string(id) + " written " +
                                 std::to_string(where.size()) + " times (first at partition " +
                                 std::to_string(where[0].partition) + " offset " +
                                 std::to_string(where[0].offset) + ", again at offset " +
                                 std::to_string(where[1].offset) + ")");
    return out;
  }

  void delivered_where_reported(const std::map<std::uint64_t, std::vector<LoggedId>>& in_log) {
    for (const auto& s : sent_) {
      auto rep = reports_.find(s.id);
      if (rep == reports_.end() || rep->second.fired == 0) continue;
      auto found = in_log.find(s.id);
      const std::size_t n = found == in_log.end() ? 0 : found->second.size();
      const auto& md = rep->second.metadata;
      const std::string who = "id " + std::to_string(s.id) + " (partition " + std::to_string(s.partition) + ")";
      if (rep->second.error) {
        ++v_.failed;
        if (n > 0) ++v_.failed_but_in_log;
        // Only a record reported possibly written may be in the log.
        if (md.outcome == DeliveryOutcome::delivered)
          fail(who + ": reported failed (" + rep->second.error.message() + ") with outcome delivered");
        else if (n > 0 && md.outcome != DeliveryOutcome::possibly_written)
          fail(who + ": reported failed as " +
               (md.outcome == DeliveryOutcome::not_sent ? "not sent" : "rejected") + ", but in the log");
        continue;
      }
      if (md.outcome != DeliveryOutcome::delivered) fail(who + ": reported delivered with a failed outcome");
      ++v_.delivered;
      if (n == 0) {
        fail(who + ": reported delivered at offset " + std::to_string(md.offset) + ", not in the log");
        continue;
      }
      const LoggedId& at = found->second.front();
      if (md.partition != at.partition)
        fail(who + ": reported in partition " + std::to_string(md.partition) + ", logged in " +
             std::to_string(at.partition));
      if (md.offset < 0 ? options_.require_offsets : md.offset != at.offset)
        fail(who + ": reported offset " + std::to_string(md.offset) + ", logged at " + std::to_string(at.offset));
    }
  }

  void committed_exactly(const std::map<std::uint64_t, std::vector<LoggedId>>& visible) {
    for (auto id : *options_.committed)
      if (!visible.count(id)) fail("read_committed: id " + std::to_string(id) + " of a committed transaction missing");
    for (const auto& [id, where] : visible)
      if (!options_.committed->count(id))
        fail("read_committed: id " + std::to_string(id) + " visible but not in a committed transaction");
  }

 private:
  void fail(std::string what) { v_.violations.push_back(std::move(what)); }

  const std::vector<SentId>& sent_;
  const std::map<std::uint64_t, DeliveryReport>& reports_;
  const InvariantOptions& options_;
  Verdict& v_;
  std::map<std::uint64_t, std::size_t> order_;  // id -> send index
};

}  // namespace

std::string Verdict::describe() const {
  std::ostringstream out;
  out << "sent " << sent << ", delivered " << delivered << ", failed " << failed << " (" << failed_but_in_log
      << " of them in the log), records in the log " << in_log << ", violations " << violations.size();
  for (std::size_t i = 0; i < violations.size() && i < 20; ++i) out << "\n  " << violations[i];
  return out.str();
}

Verdict check_delivery_invariants(const std::vector<SentId>& sent,
                                  const std::map<std::uint64_t, DeliveryReport>& reports,
                                  const std::vector<LoggedId>& log, const InvariantOptions& options,
                                  const std::vector<LoggedId>& committed) {
  Verdict v;
  v.sent = sent.size();
  v.in_log = log.size();
  Checker check(sent, reports, options, v);
  check.reports_fired_once();
  auto in_log = check.copies(log, "log");
  check.delivered_where_reported(in_log);
  if (options.committed) check.committed_exactly(check.copies(committed, "read_committed"));
  return v;
}

}  // namespace kwire::test
