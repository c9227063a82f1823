// Idempotence state of one producer: the producer id and epoch, and per
// partition the sequence numbers and the order of unacknowledged batches.
// Pure logic (no I/O, no clock), owned by the sender on the producer's
// io_context thread; nothing here is thread-safe.
//
// Rules (after the Java client since KIP-360, stricter where noted):
// - A batch gets its base sequence the first time it is sent and keeps it on
//   retries. At most `max_in_flight` batches of a partition are in flight.
// - A retried batch is sent again only when it is the oldest unacknowledged
//   batch of its partition and nothing else of that partition is in flight,
//   and no newer batch overtakes a pending retry, so order holds under retries.
//   (Without idempotence, any returned batch may go once nothing is in
//   flight: the accumulator orders returned batches by sequence only.)
// - What the client knows of each batch's write decides its fate: never sent
//   (no attempt left the client), not written (every attempt the broker saw
//   was refused before its append) or possibly written (an attempt got no
//   answer, or an error that may follow an append). A batch that may be in
//   the log is "pinned": possibly written itself, older than a batch that may
//   be (it cannot be written after that one, also once that one was given
//   up), or older than an acknowledged one. A pinned batch is only ever
//   resolved under its own producer id, epoch and sequence: acknowledged (or
//   DUPLICATE_SEQUENCE_NUMBER), or given up and reported with its write
//   state. It is never renumbered (the Java client renumbers in-flight
//   batches after a bump; the broker would then write a second copy of one
//   that was written).
// - An acknowledgement of a later batch proves nothing about an older one:
//   the broker accepts any first sequence from a producer it holds no state
//   for on the partition (../shared/KAFKA-PRODUCER-STATE.md).
// - OUT_OF_ORDER_SEQUENCE_NUMBER / UNKNOWN_PRODUCER_ID on the oldest
//   unacknowledged batch: the broker does not expect it. If it is not pinned,
//   nothing of it or after it can be in the log: the partition is
//   re-sequenced under a bumped epoch. If it is pinned, it is retried once
//   alone under its own sequence, so the broker has seen all we sent. Refused
//   then, it is not in the log (the broker answers a retry of an appended
//   batch among its last 5 as a duplicate): if nothing later may be in the
//   log it is renumbered with the rest, else it fails (it cannot be written
//   after a later batch). On a later batch these errors are plain retries
//   (an older batch is unresolved).
// - INVALID_PRODUCER_EPOCH: the broker knows a newer epoch; fetch a fresh
//   producer id, settle pinned batches as above (a lone retry refused again
//   fails), re-sequence the rest.
// - While a batch waits for or is in a retry, no new batch of its partition is
//   sent: the broker recognises a retry only among its last 5 batches.
// - A sent batch given up (fatal error, expiry, close) may leave a hole in
//   the sequence space, so its partition is re-sequenced under a bumped
//   epoch: once nothing is in flight, pinned batches are settled first under
//   the old epoch, then the others start again from 0 under the new one.
// - The idempotent producer bumps its epoch locally (epoch + 1, a fresh id
//   when the epoch is exhausted). Partitions with nothing to re-sequence
//   finish their older batches under the old epoch and start at 0 under the
//   new one afterwards.
// - A transactional producer (EpochBumps::by_coordinator) never bumps its
//   epoch itself: the coordinator would end the transaction under the epoch
//   it knows while data went out under another, and its markers would be
//   refused (KIP-360). OUT_OF_ORDER_SEQUENCE_NUMBER / UNKNOWN_PRODUCER_ID on
//   the oldest batch fail it (the transaction becomes abortable); a partition
//   that needs renumbering waits, sending nothing, until a new epoch arrives
//   (needs_epoch_bump(): InitProducerId at the coordinator after the abort).
// Batches are identified by an opaque key (the batch's address).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cluster/topic_partition_key.hpp"

namespace kwire::detail {

using BatchKey = const void*;

struct ProducerIdAndEpoch {
  std::int64_t producer_id = -1;
  std::int16_t epoch = -1;
  friend bool operator==(const ProducerIdAndEpoch&, const ProducerIdAndEpoch&) = default;
};

// What an InitProducerId answer may hand out: id and epoch both >= 0. Id -1
// would stamp batches as not idempotent and a negative epoch cannot be
// bumped: such an answer is refused (and asked again), never adopted.
constexpr bool assignable(ProducerIdAndEpoch pe) noexcept { return pe.producer_id >= 0 && pe.epoch >= 0; }

// What the sender stamps into a batch's header before (re)sending it.
struct ProducerState {
  std::int64_t producer_id = -1;
  std::int16_t epoch = -1;
  std::int32_t base_sequence = -1;
  friend bool operator==(const ProducerState&, const ProducerState&) = default;
};

// How a partition's response error bears on idempotence. The response
// handler maps Kafka error codes onto these.
enum class SequenceError {
  retriable,              // try again with the same sequence
  out_of_order_sequence,  // OUT_OF_ORDER_SEQUENCE_NUMBER
  unknown_producer_id,    // UNKNOWN_PRODUCER_ID
  invalid_producer_epoch, // INVALID_PRODUCER_EPOCH
  fatal,                  // not retriable: the batch fails
};

// What the client knows of whether a batch reached the log; given with a
// batch that is given up, so its failure says what the application may
// assume.
enum class WriteState : std::uint8_t {
  never_sent,        // no attempt left the client
  not_written,       // the broker refused every attempt it saw, before appending
  possibly_written,  // an attempt got no answer, or an error that may follow an append
};

// fail: the manager has forgotten the batch; complete it with the error,
// as `state` says.
enum class ErrorAction { retry, fail };
struct ErrorDecision {
  ErrorAction action = ErrorAction::retry;
  WriteState state = WriteState::never_sent;
  friend bool operator==(const ErrorDecision& d, ErrorAction a) noexcept { return d.action == a; }
};

// Who moves the epoch when a partition's sequences must start again.
enum class EpochBumps : std::uint8_t {
  local,           // the idempotent producer: epoch + 1 on its own
  by_coordinator,  // a transactional producer: InitProducerId after the abort
};

// Adds `increment` to a sequence, wrapping past INT32_MAX to 0 as brokers do.
std::int32_t increment_sequence(std::int32_t sequence, std::int32_t increment) noexcept;

class IdempotenceState {
 public:
  // idempotent=false still keeps per-partition order under retries, but
  // assigns no producer id or sequences.
  explicit IdempotenceState(bool idempotent, int max_in_flight_per_partition = 5,
                            EpochBumps bumps = EpochBumps::local);

  bool idempotent() const noexcept { return idempotent_; }

  // --- producer id -----------------------------------------------------
  // True when an InitProducerId is needed before anything can be sent.
  bool needs_producer_id() const noexcept { return idempotent_ && !has_producer_id_; }
  ProducerIdAndEpoch producer_id_and_epoch() const noexcept { return current_; }
  // Result of InitProducerId.
  void set_producer_id_and_epoch(ProducerIdAndEpoch pe);
  // EpochBumps::by_coordinator: a partition waits for an epoch newer than
  // the current one before it may start its sequences again.
  bool needs_epoch_bump() const noexcept { return coordinator_bump_needed_; }

  // --- sending --------------------------------------------------------
  // May this batch be sent now? A batch the manager has not seen is new.
  bool can_send(std::string_view topic, std::int32_t partition, BatchKey batch) const;
  // Marks the batch in flight and returns the state to stamp into it (the
  // same sequence as before on a retry unless the partition was re-sequenced).
  // Precondition: can_send() returned true.
  ProducerState on_send(std::string_view topic, std::int32_t partition, BatchKey batch,
                        std::int32_t record_count);
  // What on_send() would return for the batch now, without marking it sent:
  // the sender stamps this into a new batch before sealing it, once.
  ProducerState peek_send(std::string_view topic, std::int32_t partition, BatchKey batch) const;
  // Current state of an unacknowledged batch (after re-sequencing, a batch
  // waiting for retry carries new values).
  ProducerState state_of(std::string_view topic, std::int32_t partition, BatchKey batch) const;

  // --- outcomes -------------------------------------------------------
  // Written (also DUPLICATE_SEQUENCE_NUMBER: written by an earlier attempt).
  void on_acknowledged(std::string_view topic, std::int32_t partition, BatchKey batch);
  // The partition answered with an error; says whether to retry. `fail`
  // means the batch is forgotten here and must be completed with the error.
  // `maybe_appended`: the error may come after the broker appended the batch
  // (REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS_AFTER_APPEND, ...).
  ErrorDecision on_error(std::string_view topic, std::int32_t partition, BatchKey batch, SequenceError error,
                         bool maybe_appended = false);
  // The request carrying the batch got no usable answer (timeout, lost
  // connection, a frame that does not decode). `written`: the request left
  // the client (net's SendOptions::written), so the batch may be in the log.
  // It is retried with the same sequence either way.
  void on_no_response(std::string_view topic, std::int32_t partition, BatchKey batch, bool written = true);
  // What is known of the batch's write so far (never_sent if unknown here).
  WriteState write_state(std::string_view topic, std::int32_t partition, BatchKey batch) const;
  // The broker refused the batch as too large and wrote nothing; it was
  // split into `parts` (batch, record count), in order. The manager forgets
  // the refused batch and puts the parts, not in flight, in its place with
  // its sequence range (base sequences consecutive from its own), so they
  // are sent as new batches ahead of everything newer of the partition.
  void on_split(std::string_view topic, std::int32_t partition, BatchKey refused,
                std::span<const std::pair<BatchKey, std::int32_t>> parts);
  // The batch is given up (delivery timeout, retries exhausted, closing).
  // Whether it was sent or not, the manager forgets it and says what is known
  // of its write. `attempt_written`: an attempt in flight when it was given
  // up had left the client.
  WriteState on_abandoned(std::string_view topic, std::int32_t partition, BatchKey batch,
                          bool attempt_written = false);

  // --- epoch bumps ----------------------------------------------------
  // Applies pending bumps and re-sequences partitions with nothing in
  // flight. The sender calls this before each drain.
  void apply_pending_resequencing();

  // Introspection for the sender and tests.
  std::size_t in_flight(std::string_view topic, std::int32_t partition) const;
  std::size_t unacknowledged(std::string_view topic, std::int32_t partition) const;
  bool has_pending_retry(std::string_view topic, std::int32_t partition) const;
  bool needs_resequencing(std::string_view topic, std::int32_t partition) const;
  std::int32_t next_sequence(std::string_view topic, std::int32_t partition) const;
  std::int32_t last_acked_sequence(std::string_view topic, std::int32_t partition) const;
  std::size_t epoch_bumps() const noexcept { return epoch_bumps_; }

 private:
  struct Unacked {
    BatchKey batch;
    std::int32_t base_sequence;
    std::int32_t record_count;
    bool in_flight;
    bool retried = false;           // came back once with an unknown or failed outcome
    bool sent = false;              // an attempt left the client
    bool possibly_written = false;  // an attempt may have been appended
    bool overtaken = false;         // a later batch was acknowledged, or given up possibly written
  };
  struct Partition {
    ProducerIdAndEpoch sequenced_under;  // the id/epoch its sequences belong to
    std::int32_t next_sequence = 0;
    std::int32_t last_acked_sequence = -1;
    std::deque<Unacked> unacked;  // in sequence (= send) order
    std::size_t in_flight = 0;
    bool needs_resequencing = false;
  };
  using Key = TopicPartitionKey;
  using KeyView = TopicPartitionView;

  const Partition* find(std::string_view topic, std::int32_t partition) const;
  Partition& get(std::string_view topic, std::int32_t partition);
  static std::deque<Unacked>::iterator find_batch(Partition& p, BatchKey batch);
  static std::deque<Unacked>::const_iterator find_batch(const Partition& p, BatchKey batch);
  // A new batch of a partition whose sequences belong to an older id/epoch
  // and that has nothing unacknowledged starts again at 0 under the current one.
  bool starts_fresh(const Partition& p) const noexcept {
    return idempotent_ && p.sequenced_under != current_ && p.unacked.empty();
  }
  // May the batch at `it` be in the log, or be older than one that may?
  // Then it is settled under its own sequence, never renumbered.
  static bool pinned(const Partition& p, std::deque<Unacked>::const_iterator it);
  // The batch at `it` leaves while it may be in the log: the older ones can
  // no longer be written after it, so they stay pinned without it.
  static void overtake_older(Partition& p, std::deque<Unacked>::iterator it);
  // The batch at `it` was given up (failed or abandoned): removed, the older
  // ones pinned if it may be in the log, the later ones renumbered if its
  // sequences leave a hole. Returns its write state.
  WriteState drop_given_up(Partition& p, std::deque<Unacked>::iterator it);
  static WriteState state_of(const Unacked& u) noexcept;
  void request_resequencing(Partition& p);
  void resequence(Partition& p);

  bool idempotent_;
  std::size_t max_in_flight_;
  EpochBumps bumps_;
  bool has_producer_id_ = false;
  bool bump_requested_ = false;
  bool coordinator_bump_needed_ = false;
  ProducerIdAndEpoch current_;
  std::size_t epoch_bumps_ = 0;
  std::map<Key, Partition, TopicPartitionLess> partitions_;
};

}  // namespace kwire::detail
