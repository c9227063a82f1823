// The TxnBroker's fault rules and random draws (see txn_broker_fault_state.hpp).
#include "txn_broker_fault_state.hpp"

#include <algorithm>

#include "kwire/protocol/records/batch_format.hpp"
#include "kwire/protocol/wire/reader.hpp"

namespace kwire::test::txn {

namespace records = kwire::protocol::records;

std::optional<BatchIdentity> first_batch_identity(kwire::protocol::Bytes records) {
  if (records.size() < records::batch_header_size) return std::nullopt;
  kwire::protocol::Reader r(records.subspan(records::batch_offsets::producer_id));
  BatchIdentity id;
  id.producer_id = r.i64();
  id.epoch = r.i16();
  id.base_sequence = r.i32();
  if (!r.ok()) return std::nullopt;
  return id;
}

void FaultState::set_random(RandomProduceFaults random) {
  rng_.seed(random.seed);
  random_ = std::move(random);
}

void FaultState::clear() {
  produce_.clear();
  api_.clear();
  random_.reset();
  rtt.clear();
  produce_throttle_ms.clear();
  paused_reading.clear();
}

bool FaultState::request_wide(ProduceFaultAction action) {
  return action != ProduceFaultAction::refuse && action != ProduceFaultAction::write_then_error;
}

bool FaultState::matches(const ProduceFault& rule, const ProducedPartition& p) {
  return (rule.topic.empty() || rule.topic == p.topic) && (rule.partition < 0 || rule.partition == p.partition) &&
         (rule.base_sequence < 0 || rule.base_sequence == p.batch.base_sequence) &&
         (rule.producer_epoch < 0 || rule.producer_epoch == p.batch.epoch);
}

std::optional<ProduceFault> FaultState::draw(bool request_wide_actions) {
  if (!random_ || random_->per_mille <= 0) return std::nullopt;
  std::vector<ProduceFaultAction> candidates;
  for (auto a : random_->actions)
    if (request_wide(a) == request_wide_actions) candidates.push_back(a);
  if (candidates.empty()) return std::nullopt;
  if (static_cast<int>(rng_() % 1000) >= random_->per_mille) return std::nullopt;
  ProduceFault f;
  f.action = candidates[rng_() % candidates.size()];
  const auto& errors = f.action == ProduceFaultAction::write_then_error && !random_->write_errors.empty()
                           ? random_->write_errors
                           : random_->errors;
  if (!errors.empty()) f.error = errors[rng_() % errors.size()];
  if (!random_->hostile.empty()) f.hostile = random_->hostile[rng_() % random_->hostile.size()];
  if (random_->max_delay.count() > 0)
    f.delay = std::chrono::milliseconds(rng_() % static_cast<std::uint64_t>(random_->max_delay.count() + 1));
  return f;
}

std::optional<ProduceFault> FaultState::take_produce_fault(bool request_wide_actions,
                                                           const std::function<bool(const ProduceFault&)>& hits) {
  for (auto it = produce_.begin(); it != produce_.end(); ++it) {
    if (request_wide(it->action) != request_wide_actions || !hits(*it)) continue;
    if (it->skip > 0) {
      --it->skip;
      continue;
    }
    ProduceFault fired = *it;
    if (--it->times <= 0) produce_.erase(it);
    ++counters.produce_faults_fired;
    return fired;
  }
  auto drawn = draw(request_wide_actions);
  if (drawn) ++counters.produce_faults_fired;
  return drawn;
}

std::optional<ProduceFault> FaultState::take_request_fault(const std::vector<ProducedPartition>& partitions) {
  return take_produce_fault(true, [&](const ProduceFault& rule) {
    return std::any_of(partitions.begin(), partitions.end(), [&](const auto& p) { return matches(rule, p); });
  });
}

std::optional<ProduceFault> FaultState::take_partition_fault(const ProducedPartition& partition) {
  return take_produce_fault(false, [&](const ProduceFault& rule) { return matches(rule, partition); });
}

std::optional<ApiFault> FaultState::take_api_fault(std::int16_t api_key) {
  for (auto it = api_.begin(); it != api_.end(); ++it) {
    if (it->api_key != api_key) continue;
    ApiFault fired = *it;
    if (--it->times <= 0) api_.erase(it);
    return fired;
  }
  return std::nullopt;
}

}  // namespace kwire::test::txn
