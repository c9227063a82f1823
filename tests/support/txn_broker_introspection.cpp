// The TxnBroker's introspection and fault controls (see txn_broker.hpp):
// each locks the shared state. Any thread.
#include "txn_broker_impl.hpp"

namespace kwire::test {

std::optional<std::int64_t> TxnBroker::committed_offset(const std::string& group, const std::string& topic,
                                                        std::int32_t partition) const {
  std::lock_guard lock(impl_->state.mu);
  auto g = impl_->state.group_offsets.find(group);
  if (g == impl_->state.group_offsets.end()) return std::nullopt;
  auto it = g->second.find({topic, partition});
  if (it == g->second.end()) return std::nullopt;
  return it->second.offset;
}

int TxnBroker::control_batches(const std::string& topic, std::int32_t partition) const {
  std::lock_guard lock(impl_->state.mu);
  auto* log = impl_->state.partition(topic, partition);
  return log ? log->control_batches() : 0;
}

int TxnBroker::stored_batches(const std::string& topic, std::int32_t partition) const {
  std::lock_guard lock(impl_->state.mu);
  auto* log = impl_->state.partition(topic, partition);
  return log ? static_cast<int>(log->batches().size()) : 0;
}

std::int64_t TxnBroker::high_watermark(const std::string& topic, std::int32_t partition) const {
  std::lock_guard lock(impl_->state.mu);
  auto* log = impl_->state.partition(topic, partition);
  return log ? log->high_watermark() : 0;
}

std::int64_t TxnBroker::last_stable_offset(const std::string& topic, std::int32_t partition) const {
  std::lock_guard lock(impl_->state.mu);
  auto* log = impl_->state.partition(topic, partition);
  return log ? log->last_stable_offset() : 0;
}

std::vector<TxnAbortedRange> TxnBroker::aborted_transactions(const std::string& topic,
                                                             std::int32_t partition) const {
  std::lock_guard lock(impl_->state.mu);
  auto* log = impl_->state.partition(topic, partition);
  return log ? log->aborted() : std::vector<TxnAbortedRange>{};
}

std::vector<std::vector<std::uint8_t>> TxnBroker::batches(const std::string& topic, std::int32_t partition) const {
  std::lock_guard lock(impl_->state.mu);
  std::vector<std::vector<std::uint8_t>> out;
  if (auto* log = impl_->state.partition(topic, partition))
    for (const auto& b : log->batches()) out.push_back(b.bytes);
  return out;
}

std::vector<TxnStoredRecord> TxnBroker::records(const std::string& topic, std::int32_t partition,
                                                 bool read_committed) const {
  std::lock_guard lock(impl_->state.mu);
  std::vector<TxnStoredRecord> out;
  auto* log = impl_->state.partition(topic, partition);
  if (log == nullptr) return out;
  const std::int64_t end = read_committed ? log->last_stable_offset() : log->high_watermark();
  const auto aborted = [&](std::int64_t producer_id, std::int64_t offset) {
    for (const auto& a : log->aborted())
      if (a.producer_id == producer_id && a.first_offset <= offset && offset <= a.last_offset) return true;
    return false;
  };
  for (const auto& stored : log->batches()) {
    if (stored.control || stored.base_offset >= end) continue;
    kwire::protocol::records::BatchReader reader(kwire::protocol::Bytes(stored.bytes.data(), stored.bytes.size()));
    while (reader.next_batch()) {
      const auto& info = reader.batch();
      if (read_committed && info.transactional && aborted(info.producer_id, info.base_offset)) continue;
      kwire::protocol::records::RecordView record;
      while (reader.next_record(record)) {
        if (record.offset >= end) break;
        std::optional<std::string> key;
        if (record.key) key.emplace(reinterpret_cast<const char*>(record.key->data()), record.key->size());
        out.push_back({record.offset, std::move(key)});
      }
    }
  }
  return out;
}

std::optional<TxnProducerIdentity> TxnBroker::transactional_producer(const std::string& transactional_id) const {
  std::lock_guard lock(impl_->state.mu);
  auto it = impl_->state.transactions.find(transactional_id);
  if (it == impl_->state.transactions.end()) return std::nullopt;
  return TxnProducerIdentity{it->second.producer_id, it->second.epoch, it->second.open};
}

void TxnBroker::drop_next_produce_responses(int n, bool close_connection) {
  ProduceFault f;
  f.action = close_connection ? ProduceFaultAction::cut_after_write : ProduceFaultAction::drop_response;
  f.times = n;
  if (n > 0) add_produce_fault(std::move(f));
}

int TxnBroker::produce_requests_seen() const {
  std::lock_guard lock(impl_->state.mu);
  return impl_->state.produce_requests;
}

int TxnBroker::produce_responses_dropped() const {
  std::lock_guard lock(impl_->state.mu);
  return impl_->state.produce_responses_dropped;
}

int TxnBroker::duplicate_batches_seen() const {
  std::lock_guard lock(impl_->state.mu);
  return impl_->state.duplicate_batches;
}

int TxnBroker::produce_errors_seen(std::int16_t error_code) const {
  std::lock_guard lock(impl_->state.mu);
  auto it = impl_->state.produce_errors.find(error_code);
  return it == impl_->state.produce_errors.end() ? 0 : it->second;
}

int TxnBroker::init_producer_id_requests() const {
  std::lock_guard lock(impl_->state.mu);
  return impl_->state.init_producer_id_requests;
}

int TxnBroker::init_producer_id_resumes() const {
  std::lock_guard lock(impl_->state.mu);
  return impl_->state.init_producer_id_resumes;
}

int TxnBroker::end_txn_requests() const {
  std::lock_guard lock(impl_->state.mu);
  return impl_->state.end_txn_requests;
}

void TxnBroker::add_produce_fault(ProduceFault fault) {
  std::lock_guard lock(impl_->state.mu);
  impl_->state.faults.add(std::move(fault));
}

void TxnBroker::add_api_fault(ApiFault fault) {
  std::lock_guard lock(impl_->state.mu);
  impl_->state.faults.add(fault);
}

void TxnBroker::set_random_produce_faults(RandomProduceFaults faults) {
  std::lock_guard lock(impl_->state.mu);
  impl_->state.faults.set_random(std::move(faults));
}

void TxnBroker::clear_faults() {
  std::lock_guard lock(impl_->state.mu);
  impl_->state.faults.clear();
}

void TxnBroker::set_rtt(std::int32_t node, std::chrono::milliseconds rtt) {
  std::lock_guard lock(impl_->state.mu);
  for (std::int32_t n = 1; n <= impl_->state.nodes(); ++n)
    if (node == 0 || node == n) impl_->state.faults.rtt[n] = rtt;
}

void TxnBroker::set_produce_throttle(std::int32_t node, std::chrono::milliseconds throttle) {
  std::lock_guard lock(impl_->state.mu);
  for (std::int32_t n = 1; n <= impl_->state.nodes(); ++n)
    if (node == 0 || node == n) impl_->state.faults.produce_throttle_ms[n] = static_cast<std::int32_t>(throttle.count());
}

void TxnBroker::pause_reading(std::int32_t node, bool paused) {
  std::lock_guard lock(impl_->state.mu);
  for (std::int32_t n = 1; n <= impl_->state.nodes(); ++n) {
    if (node != 0 && node != n) continue;
    if (paused) {
      impl_->state.faults.paused_reading.insert(n);
    } else {
      impl_->state.faults.paused_reading.erase(n);
    }
  }
}

TxnFaultCounters TxnBroker::fault_counters() const {
  std::lock_guard lock(impl_->state.mu);
  return impl_->state.faults.counters;
}

}  // namespace kwire::test
