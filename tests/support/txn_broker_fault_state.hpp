// The TxnBroker's injected faults (txn_broker_faults.hpp) as the handlers see
// them: the pending rules, the random draws of a soak, per-node network
// conditions (added latency, paused reading) and the counters. The handlers
// ask it, per request and per partition, which fault applies now; a rule is
// consumed as it fires.
// Not thread-safe: the broker's state mutex guards every call.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "kwire/protocol/wire/bytes.hpp"
#include "txn_broker_faults.hpp"

namespace kwire::test::txn {

// Who wrote a batch and where it starts in the producer's sequence space.
struct BatchIdentity {
  std::int64_t producer_id = -1;
  std::int16_t epoch = -1;
  std::int32_t base_sequence = -1;
};
// The first batch header of a partition's records; nullopt when too short.
std::optional<BatchIdentity> first_batch_identity(kwire::protocol::Bytes records);

// One partition of a Produce request, as fault rules match it.
struct ProducedPartition {
  std::string topic;
  std::int32_t partition = -1;
  BatchIdentity batch;
};

class FaultState {
 public:
  void add(ProduceFault fault) { produce_.push_back(std::move(fault)); }
  void add(ApiFault fault) { api_.push_back(fault); }
  void set_random(RandomProduceFaults random);
  void clear();

  // The request-wide fault (drop, cut, hostile) for a Produce request, if a
  // rule matches one of its partitions or the random draw says so.
  std::optional<ProduceFault> take_request_fault(const std::vector<ProducedPartition>& partitions);
  // The partition's fault (refuse, write then error), if any.
  std::optional<ProduceFault> take_partition_fault(const ProducedPartition& partition);
  // A fault for a request of another API.
  std::optional<ApiFault> take_api_fault(std::int16_t api_key);

  // Network conditions per node id.
  std::map<std::int32_t, std::chrono::milliseconds> rtt;
  // throttle_time_ms a node's Produce responses carry (the answer is not delayed).
  std::map<std::int32_t, std::int32_t> produce_throttle_ms;
  std::set<std::int32_t> paused_reading;

  TxnFaultCounters counters;

 private:
  static bool matches(const ProduceFault& rule, const ProducedPartition& p);
  static bool request_wide(ProduceFaultAction action);
  std::optional<ProduceFault> draw(bool request_wide_actions);
  // The first pending rule of the kind (request-wide or not) that `hits`,
  // past its skips, fired once; else the random draw of that kind.
  std::optional<ProduceFault> take_produce_fault(bool request_wide_actions,
                                                 const std::function<bool(const ProduceFault&)>& hits);

  std::vector<ProduceFault> produce_;
  std::vector<ApiFault> api_;
  std::optional<RandomProduceFaults> random_;
  std::mt19937_64 rng_;
};

}  // namespace kwire::test::txn
