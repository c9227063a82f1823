// What the consumer's io thread hands to the polling thread: fetched
// partition data (views into a response frame kept alive by a shared
// FetchedFrame), positions found by an offset lookup, errors that stop a
// partition, finished commits and group membership changes. One
// mutex-guarded queue, locked once per response or event, never per record. The bytes of frames not yet released by poll() are
// counted, and the io thread stops fetching above fetch.buffer.bytes.
// Threads: push from the io thread, take/wait from the polling thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include "kwire/net/response.hpp"
#include "kwire/protocol/wire/bytes.hpp"

namespace kwire::detail {

// A partition named by its interned topic (the consumer keeps one string per
// topic for its lifetime, so records can point at it) and its number.
struct PartitionKey {
  const std::string* topic = nullptr;
  std::int32_t partition = 0;
  friend bool operator<(const PartitionKey& a, const PartitionKey& b) noexcept {
    return a.topic != b.topic ? std::less<const std::string*>()(a.topic, b.topic) : a.partition < b.partition;
  }
  friend bool operator==(const PartitionKey&, const PartitionKey&) = default;
};

// Bytes held by fetched frames not yet released; `on_below_limit` runs (on
// the releasing thread) when a release brings the total back under the limit.
class FetchMemory {
 public:
  explicit FetchMemory(std::int64_t limit) : limit_(limit) {}
  void set_on_below_limit(std::function<void()> f) { on_below_limit_ = std::move(f); }
  void add(std::int64_t bytes) noexcept { used_.fetch_add(bytes, std::memory_order_relaxed); }
  void release(std::int64_t bytes) {
    std::int64_t before = used_.fetch_sub(bytes, std::memory_order_relaxed);
    if (before >= limit_ && before - bytes < limit_ && on_below_limit_) on_below_limit_();
  }
  bool over_limit() const noexcept { return used_.load(std::memory_order_relaxed) >= limit_; }
  std::int64_t used() const noexcept { return used_.load(std::memory_order_relaxed); }
  std::int64_t limit() const noexcept { return limit_; }

 private:
  const std::int64_t limit_;
  std::atomic<std::int64_t> used_{0};
  std::function<void()> on_below_limit_;
};

// One Fetch response frame, shared by the partitions it answered.
class FetchedFrame {
 public:
  FetchedFrame(net::FramePtr frame, std::shared_ptr<FetchMemory> memory)
      : frame_(std::move(frame)), memory_(std::move(memory)), bytes_(static_cast<std::int64_t>(frame_->size())) {
    memory_->add(bytes_);
  }
  ~FetchedFrame() { memory_->release(bytes_); }
  FetchedFrame(const FetchedFrame&) = delete;
  FetchedFrame& operator=(const FetchedFrame&) = delete;

 private:
  net::FramePtr frame_;
  std::shared_ptr<FetchMemory> memory_;
  std::int64_t bytes_;
};

struct GroupChange;  // consumer/group_membership.hpp

struct AbortedTxn {
  std::int64_t producer_id = 0;
  std::int64_t first_offset = 0;
};

struct FetchEvent {
  enum class Kind : std::uint8_t {
    records,   // data for [fetch_offset, next_offset)
    position,  // the partition's position is now `fetch_offset` (an offset lookup or reset)
    error,     // the partition stopped: `error`, `detail`; fetching resumes after a seek
    commit_done,  // the asynchronous commit numbered `generation` finished with `error`
    group,        // the group membership changed the partitions: `group`
    client_error,  // not about a partition: a connection refused for a security reason (`error`, `detail`)
  };
  Kind kind = Kind::records;
  PartitionKey partition;
  std::uint64_t generation = 0;  // the partition's seek generation this belongs to (commit_done: the commit's number)
  std::int64_t fetch_offset = -1;
  std::int32_t leader_epoch = -1;  // position: the leader epoch of the record before fetch_offset, if known
  std::int64_t next_offset = -1;  // one past the last complete batch
  std::shared_ptr<FetchedFrame> frame;
  protocol::Bytes records;
  std::vector<AbortedTxn> aborted;  // read_committed only, by first_offset
  std::error_code error;
  std::string detail;
  std::shared_ptr<GroupChange> group;
};

class FetchQueue {
 public:
  void push(FetchEvent event) {
    {
      std::lock_guard lock(mu_);
      events_.push_back(std::move(event));
    }
    cv_.notify_all();
  }
  // Moves every queued event to the back of `out`; waits until `deadline`
  // for one if none is queued. False if none came.
  bool take(std::deque<FetchEvent>& out, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mu_);
    if (!cv_.wait_until(lock, deadline, [&] { return !events_.empty() || woken_; })) return false;
    woken_ = false;
    if (events_.empty()) return false;
    for (auto& e : events_) out.push_back(std::move(e));
    events_.clear();
    return true;
  }
  // Ends a wait early (close).
  void wake() {
    {
      std::lock_guard lock(mu_);
      woken_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<FetchEvent> events_;
  bool woken_ = false;
};

}  // namespace kwire::detail
