// Idempotence state: see idempotence_state.hpp for the rules. Called only
// on the producer's io_context thread.
#include "producer/idempotence/idempotence_state.hpp"

#include <algorithm>
#include <limits>

namespace kwire::detail {

std::int32_t increment_sequence(std::int32_t sequence, std::int32_t increment) noexcept {
  constexpr std::int32_t max = std::numeric_limits<std::int32_t>::max();
  if (sequence > max - increment) return increment - (max - sequence) - 1;
  return sequence + increment;
}

IdempotenceState::IdempotenceState(bool idempotent, int max_in_flight_per_partition, EpochBumps bumps)
    : idempotent_(idempotent),
      max_in_flight_(static_cast<std::size_t>(std::max(1, max_in_flight_per_partition))),
      bumps_(bumps) {}

void IdempotenceState::set_producer_id_and_epoch(ProducerIdAndEpoch pe) {
  if (pe != current_) coordinator_bump_needed_ = false;
  current_ = pe;
  has_producer_id_ = true;
  // Partitions with batches under an older id keep finishing them (or wait
  // for re-sequencing if they asked for it); the others start at 0 on their
  // next batch because their state is now stale.
}

const IdempotenceState::Partition* IdempotenceState::find(std::string_view topic, std::int32_t partition) const {
  auto it = partitions_.find(KeyView(topic, partition));
  return it == partitions_.end() ? nullptr : &it->second;
}

IdempotenceState::Partition& IdempotenceState::get(std::string_view topic, std::int32_t partition) {
  auto it = partitions_.find(KeyView(topic, partition));
  if (it != partitions_.end()) return it->second;
  Partition fresh;
  fresh.sequenced_under = current_;
  return partitions_.emplace(Key(std::string(topic), partition), std::move(fresh)).first->second;
}

std::deque<IdempotenceState::Unacked>::iterator IdempotenceState::find_batch(Partition& p, BatchKey batch) {
  return std::find_if(p.unacked.begin(), p.unacked.end(), [&](const Unacked& u) { return u.batch == batch; });
}

std::deque<IdempotenceState::Unacked>::const_iterator IdempotenceState::find_batch(const Partition& p,
                                                                                   BatchKey batch) {
  return std::find_if(p.unacked.begin(), p.unacked.end(), [&](const Unacked& u) { return u.batch == batch; });
}

bool IdempotenceState::pinned(const Partition& p, std::deque<Unacked>::const_iterator it) {
  if (it == p.unacked.end()) return false;
  if (it->overtaken) return true;
  return std::any_of(it, p.unacked.end(), [](const Unacked& u) { return u.possibly_written; });
}

void IdempotenceState::overtake_older(Partition& p, std::deque<Unacked>::iterator it) {
  for (auto older = p.unacked.begin(); older != it; ++older) older->overtaken = true;
}

WriteState IdempotenceState::state_of(const Unacked& u) noexcept {
  if (u.possibly_written) return WriteState::possibly_written;
  return u.sent ? WriteState::not_written : WriteState::never_sent;
}

bool IdempotenceState::can_send(std::string_view topic, std::int32_t partition, BatchKey batch) const {
  if (idempotent_ && !has_producer_id_) return false;
  const Partition* p = find(topic, partition);
  if (p == nullptr) return true;
  auto it = find_batch(*p, batch);
  if (p->needs_resequencing) {
    // Before the renumbering, the oldest batch is settled under its own
    // sequence if it may be in the log; nothing else goes.
    return it == p->unacked.begin() && it != p->unacked.end() && !it->in_flight && p->in_flight == 0 &&
           pinned(*p, it);
  }
  if (it != p->unacked.end()) {
    // A retry goes alone: only the oldest unacknowledged batch, and only
    // once nothing else of the partition is in flight.
    // Without sequences the accumulator cannot restore the order of several
    // returned batches, so any of them may go (order is then best effort,
    // as with the Java client); never wait on one stuck behind another.
    return !it->in_flight && p->in_flight == 0 && (!idempotent_ || it == p->unacked.begin());
  }
  // A new batch never overtakes a pending retry, and waits until a retried
  // batch is resolved: were new batches written behind it, a batch whose
  // first write succeeded unseen could fall out of the broker's window of
  // the last 5 batches, and its retry would no longer be recognised.
  bool retry_pending = std::any_of(p->unacked.begin(), p->unacked.end(),
                                   [](const Unacked& u) { return !u.in_flight || u.retried; });
  if (retry_pending || p->in_flight >= max_in_flight_) return false;
  // After an epoch bump, older batches finish under the old epoch first.
  if (idempotent_ && p->sequenced_under != current_ && !p->unacked.empty()) return false;
  return true;
}

ProducerState IdempotenceState::on_send(std::string_view topic, std::int32_t partition, BatchKey batch,
                                        std::int32_t record_count) {
  Partition& p = get(topic, partition);
  auto it = find_batch(p, batch);
  if (it == p.unacked.end()) {
    if (starts_fresh(p)) {
      p.sequenced_under = current_;
      p.next_sequence = 0;
      p.last_acked_sequence = -1;
    }
    p.unacked.push_back(Unacked{batch, p.next_sequence, record_count, false});
    p.next_sequence = increment_sequence(p.next_sequence, record_count);
    it = std::prev(p.unacked.end());
  }
  if (!it->in_flight) {
    it->in_flight = true;
    ++p.in_flight;
  }
  if (!idempotent_) return {};
  return {p.sequenced_under.producer_id, p.sequenced_under.epoch, it->base_sequence};
}

ProducerState IdempotenceState::peek_send(std::string_view topic, std::int32_t partition, BatchKey batch) const {
  if (!idempotent_) return {};
  const Partition* p = find(topic, partition);
  if (p == nullptr || starts_fresh(*p)) return {current_.producer_id, current_.epoch, 0};
  auto it = find_batch(*p, batch);
  const std::int32_t sequence = it != p->unacked.end() ? it->base_sequence : p->next_sequence;
  return {p->sequenced_under.producer_id, p->sequenced_under.epoch, sequence};
}

ProducerState IdempotenceState::state_of(std::string_view topic, std::int32_t partition, BatchKey batch) const {
  const Partition* p = find(topic, partition);
  if (!idempotent_ || p == nullptr) return {};
  auto it = find_batch(*p, batch);
  if (it == p->unacked.end()) return {};
  return {p->sequenced_under.producer_id, p->sequenced_under.epoch, it->base_sequence};
}

void IdempotenceState::on_acknowledged(std::string_view topic, std::int32_t partition, BatchKey batch) {
  Partition& p = get(topic, partition);
  auto it = find_batch(p, batch);
  if (it == p.unacked.end()) return;
  if (it->in_flight) --p.in_flight;
  p.last_acked_sequence = increment_sequence(it->base_sequence, it->record_count - 1);
  // Older batches are not proven written (the broker may have taken this one
  // as our first on the partition), but none may be written after it now.
  overtake_older(p, it);
  p.unacked.erase(it);
}

ErrorDecision IdempotenceState::on_error(std::string_view topic, std::int32_t partition, BatchKey batch,
                                         SequenceError error, bool maybe_appended) {
  Partition& p = get(topic, partition);
  auto it = find_batch(p, batch);
  if (it == p.unacked.end())
    return {ErrorAction::fail, maybe_appended ? WriteState::possibly_written : WriteState::not_written};
  if (it->in_flight) {
    it->in_flight = false;
    --p.in_flight;
  }
  it->sent = true;  // the broker answered it
  if (maybe_appended) it->possibly_written = true;
  if (!idempotent_ && error != SequenceError::retriable) error = SequenceError::fatal;
  // A retry goes alone as the oldest batch: refused again then, the broker
  // has seen everything we sent the partition and still does not take it.
  const bool lone_retry = it->retried && it == p.unacked.begin() && p.in_flight == 0;
  it->retried = true;
  auto give_up = [&] { return ErrorDecision{ErrorAction::fail, drop_given_up(p, it)}; };
  switch (error) {
    case SequenceError::retriable:
      return {ErrorAction::retry, state_of(*it)};
    case SequenceError::out_of_order_sequence:
    case SequenceError::unknown_producer_id:
      // A later batch just waits for the older ones to resolve.
      if (it != p.unacked.begin()) return {ErrorAction::retry, state_of(*it)};
      // In a transaction the broker's refusal is the transaction's failure:
      // the application aborts, and the new epoch comes from the coordinator.
      if (bumps_ == EpochBumps::by_coordinator) return give_up();
      if (lone_retry) {
        // The broker has seen everything we sent the partition. Had it
        // appended this batch, it would have answered the retry as a
        // duplicate (it is within the last 5), so it is not in the log.
        // Still, it cannot be written after a later batch that may be.
        if (it->overtaken || pinned(p, std::next(it))) return give_up();
        it->possibly_written = false;
      }
      request_resequencing(p);
      return {ErrorAction::retry, state_of(*it)};
    case SequenceError::invalid_producer_epoch:
      if (pinned(p, it) && lone_retry) return give_up();
      has_producer_id_ = false;
      p.needs_resequencing = true;
      return {ErrorAction::retry, state_of(*it)};
    case SequenceError::fatal:
      return give_up();
  }
  return give_up();
}

void IdempotenceState::on_no_response(std::string_view topic, std::int32_t partition, BatchKey batch,
                                      bool written) {
  Partition& p = get(topic, partition);
  auto it = find_batch(p, batch);
  if (it == p.unacked.end()) return;
  if (it->in_flight) {
    it->in_flight = false;
    --p.in_flight;
  }
  if (written) it->sent = it->possibly_written = true;
  it->retried = true;
}

WriteState IdempotenceState::write_state(std::string_view topic, std::int32_t partition, BatchKey batch) const {
  const Partition* p = find(topic, partition);
  if (p == nullptr) return WriteState::never_sent;
  auto it = find_batch(*p, batch);
  return it == p->unacked.end() ? WriteState::never_sent : state_of(*it);
}

void IdempotenceState::on_split(std::string_view topic, std::int32_t partition, BatchKey refused,
                                std::span<const std::pair<BatchKey, std::int32_t>> parts) {
  Partition& p = get(topic, partition);
  auto it = find_batch(p, refused);
  if (it == p.unacked.end()) return;  // unknown: the parts get sequences when first sent
  if (it->in_flight) --p.in_flight;
  std::int32_t sequence = it->base_sequence;
  const bool refused_possibly_written = it->possibly_written, refused_overtaken = it->overtaken;
  it = p.unacked.erase(it);
  for (const auto& [key, count] : parts) {
    Unacked part{};
    part.batch = key;
    part.base_sequence = sequence;
    part.record_count = count;
    part.in_flight = false;
    // The refused batch was not written whole; were it possibly written by
    // an earlier attempt, its parts must not be renumbered either.
    part.possibly_written = refused_possibly_written;
    part.overtaken = refused_overtaken;
    it = std::next(p.unacked.insert(it, part));
    sequence = increment_sequence(sequence, count);
  }
}

WriteState IdempotenceState::on_abandoned(std::string_view topic, std::int32_t partition, BatchKey batch,
                                          bool attempt_written) {
  Partition& p = get(topic, partition);
  auto it = find_batch(p, batch);
  if (it == p.unacked.end()) return WriteState::never_sent;
  if (it->in_flight) --p.in_flight;
  if (attempt_written) it->sent = it->possibly_written = true;
  return drop_given_up(p, it);
}

WriteState IdempotenceState::drop_given_up(Partition& p, std::deque<Unacked>::iterator it) {
  const WriteState state = state_of(*it);
  const bool overtaken = it->overtaken;
  if (state == WriteState::possibly_written) overtake_older(p, it);
  p.unacked.erase(it);
  // Its sequences may leave a hole for later batches: renumber those that
  // cannot be in the log (pinned ones are settled first), unless a later
  // batch was acknowledged: the broker is past this one.
  if (idempotent_ && !overtaken) request_resequencing(p);
  return state;
}

void IdempotenceState::request_resequencing(Partition& p) {
  p.needs_resequencing = true;
  // Re-using sequences of the epoch the broker already saw would clash; a
  // partition still on an older epoch can move to the current one as is.
  if (p.sequenced_under != current_) return;
  if (bumps_ == EpochBumps::local) bump_requested_ = true;
  else coordinator_bump_needed_ = true;
}

void IdempotenceState::apply_pending_resequencing() {
  if (!idempotent_) return;
  if (bump_requested_ && has_producer_id_) {
    bump_requested_ = false;
    if (current_.epoch == std::numeric_limits<std::int16_t>::max()) {
      has_producer_id_ = false;  // epoch exhausted: the sender fetches a fresh id
    } else {
      ++current_.epoch;
      ++epoch_bumps_;
    }
  }
  if (!has_producer_id_) return;
  for (auto& [key, p] : partitions_) {
    // A pinned oldest batch is settled first (can_send lets it go alone).
    const bool settling = !p.unacked.empty() && pinned(p, p.unacked.begin());
    // Without a local bump, sequences start again only under a newer epoch.
    const bool epoch_moved = bumps_ == EpochBumps::local || p.sequenced_under != current_;
    if (p.needs_resequencing && p.in_flight == 0 && !settling && epoch_moved) resequence(p);
  }
}

void IdempotenceState::resequence(Partition& p) {
  p.sequenced_under = current_;
  std::int32_t sequence = 0;
  for (Unacked& u : p.unacked) {
    // None of these can be in the log (pinned ones were settled first):
    // under the new epoch they are new batches.
    u.retried = false;
    u.base_sequence = sequence;
    sequence = increment_sequence(sequence, u.record_count);
  }
  p.next_sequence = sequence;
  p.last_acked_sequence = -1;
  p.needs_resequencing = false;
}

std::size_t IdempotenceState::in_flight(std::string_view topic, std::int32_t partition) const {
  const Partition* p = find(topic, partition);
  return p ? p->in_flight : 0;
}

std::size_t IdempotenceState::unacknowledged(std::string_view topic, std::int32_t partition) const {
  const Partition* p = find(topic, partition);
  return p ? p->unacked.size() : 0;
}

bool IdempotenceState::has_pending_retry(std::string_view topic, std::int32_t partition) const {
  const Partition* p = find(topic, partition);
  if (p == nullptr) return false;
  return std::any_of(p->unacked.begin(), p->unacked.end(), [](const Unacked& u) { return !u.in_flight; });
}

bool IdempotenceState::needs_resequencing(std::string_view topic, std::int32_t partition) const {
  const Partition* p = find(topic, partition);
  return p != nullptr && p->needs_resequencing;
}

std::int32_t IdempotenceState::next_sequence(std::string_view topic, std::int32_t partition) const {
  const Partition* p = find(topic, partition);
  return p ? p->next_sequence : 0;
}

std::int32_t IdempotenceState::last_acked_sequence(std::string_view topic, std::int32_t partition) const {
  const Partition* p = find(topic, partition);
  return p ? p->last_acked_sequence : -1;
}

}  // namespace kwire::detail
