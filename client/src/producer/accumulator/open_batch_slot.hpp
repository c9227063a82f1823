// A partition's open batch as user threads append to it without the
// partition's lock (issue 15, direction 2: the partition lock is taken only
// when a batch rotates, not per record).
//
// Each partition queue has a few slots; a thread always uses the same one
// (its stripe, this_thread_stripe()), so threads sending to one partition
// fill batches of their own side by side and do not contend. A slot is a
// one-word gate in front of one open batch:
//   empty -> ready    install(): under the partition lock only, by the
//                     thread that just queued a new batch for its stripe.
//   ready -> busy     try_enter(): an appender (one compare-exchange, no
//                     lock); it then owns the batch's building state.
//   busy  -> ready    leave(true): the record is in, the batch has room.
//   busy  -> empty    leave(false): the batch is full; it stays queued,
//                     sealed, for the sender.
//   ready -> empty    claim(): under the partition lock, whoever needs the
//                     batch sealed (the sender's drain, flush, expiry, purge,
//                     a user batch queued behind). A claim that finds an
//                     appender inside waits for it: the appender holds the
//                     gate only while it encodes one record and never takes
//                     the partition lock meanwhile, so the wait is short.
// The batch pointer is written only under the partition lock while the slot
// is empty, and read by an appender only after its acquire, so an appender
// never sees a batch that was drained (and perhaps freed) behind its back.
// Every write an appender made to the batch is visible to whoever next
// acquires the gate (claim(), or holds_open()'s acquire load).
// Threads: try_enter/leave from any user thread; everything else under the
// partition queue's mutex.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>

namespace kwire::detail {

class ProducerBatch;

class alignas(64) OpenBatchSlot {
 public:
  // Slots per partition queue: threads beyond this share a stripe (correct,
  // they then take turns at the gate).
  static constexpr std::size_t kStripes = 4;

  // The calling thread's stripe, fixed for its life.
  static std::size_t this_thread_stripe() noexcept {
    static std::atomic<std::size_t> next{0};
    thread_local std::size_t stripe = kNoStripe;
    if (stripe == kNoStripe) stripe = next.fetch_add(1, std::memory_order_relaxed) % kStripes;
    return stripe;
  }

  // An appender's way in: the open batch, now the caller's until leave(); null
  // when the slot is empty or another thread of this stripe is inside.
  ProducerBatch* try_enter() noexcept {
    State expected = State::ready;
    if (!state_.compare_exchange_strong(expected, State::busy, std::memory_order_acquire,
                                        std::memory_order_relaxed)) {
      return nullptr;
    }
    return batch_;
  }
  // Under the partition lock: the open batch, now the caller's until leave(),
  // waiting out an appender inside; null when the slot is empty (and it stays
  // empty while the lock is held: only install() fills it).
  ProducerBatch* enter_locked() noexcept {
    for (;;) {
      if (ProducerBatch* b = try_enter()) return b;
      if (state_.load(std::memory_order_acquire) == State::empty) return nullptr;
      std::this_thread::yield();
    }
  }
  void leave(bool keep_open) noexcept {
    state_.store(keep_open ? State::ready : State::empty, std::memory_order_release);
  }

  // Under the partition lock, the slot empty: `batch` (already queued) takes
  // appends from now on.
  void install(ProducerBatch* batch) noexcept {
    batch_ = batch;
    state_.store(State::ready, std::memory_order_release);
  }
  // Under the partition lock: whether `batch` is this slot's batch and still
  // takes appends. When it returns false the batch's building state may be
  // read (the acquire pairs with the appender's last leave()).
  bool holds_open(const ProducerBatch* batch) const noexcept {
    return batch_ == batch && batch != nullptr && state_.load(std::memory_order_acquire) != State::empty;
  }
  // Under the partition lock: `batch` takes no more appends (waiting out an
  // appender inside). True when it was this slot's batch.
  bool claim(const ProducerBatch* batch) noexcept {
    if (batch_ != batch || batch == nullptr) return false;
    for (;;) {
      State s = state_.load(std::memory_order_acquire);
      if (s == State::empty) break;
      if (s == State::ready &&
          state_.compare_exchange_weak(s, State::empty, std::memory_order_acq_rel, std::memory_order_acquire)) {
        break;
      }
      std::this_thread::yield();
    }
    batch_ = nullptr;
    return true;
  }
  // Under the partition lock: the batch this slot holds open, if any.
  ProducerBatch* open_batch() const noexcept {
    return state_.load(std::memory_order_acquire) != State::empty ? batch_ : nullptr;
  }

  // The stripe's sticky appends since its last switch (KIP-794's batch.size
  // count, kept per stripe): touched only by the gate's holder, or under the
  // partition lock while the slot is empty.
  std::size_t sticky_bytes = 0;

 private:
  enum class State : std::uint32_t { empty, ready, busy };
  static constexpr std::size_t kNoStripe = ~std::size_t{0};

  std::atomic<State> state_{State::empty};
  ProducerBatch* batch_ = nullptr;
};

}  // namespace kwire::detail
