// ConsumerImpl's commits (see consumer_impl.hpp): commit(), commit_async()
// and their callbacks, auto-commit, committed().
#include "consumer/consumer_impl.hpp"

#include <asio/co_spawn.hpp>

#include <algorithm>

#include "kwire/protocol/errors.hpp"

namespace kwire::detail {

bool ConsumerImpl::is_stale_generation(std::error_code ec) {
  using protocol::kafka_errc;
  return ec == kafka_errc::illegal_generation || ec == kafka_errc::unknown_member_id ||
         ec == kafka_errc::fenced_instance_id;
}

CommitOffsets ConsumerImpl::positions() const {
  CommitOffsets out;
  // With the epoch of the record before the position (Java's rule), so a
  // consumer that starts from the commit can check the log was not truncated
  // below it (KIP-320).
  for (const auto& [key, o] : owned_)
    if (o.position >= 0) {
      OffsetAndMetadata& at = out[TopicPartition{*key.topic, key.partition}];
      at.offset = o.position;
      at.leader_epoch = o.position_epoch;
    }
  return out;
}

std::vector<OffsetEntry> ConsumerImpl::entries_of(const CommitOffsets& offsets) {
  std::vector<OffsetEntry> entries;
  entries.reserve(offsets.size());
  for (const auto& [tp, om] : offsets)  // ordered by topic: one request topic per topic
    entries.push_back({intern(tp.topic), tp.partition, om.offset, om.leader_epoch, om.metadata, {}});
  return entries;
}

std::error_code ConsumerImpl::commit(const CommitOffsets& offsets, std::chrono::milliseconds timeout) {
  if (closed_) return consumer_errc::consumer_closed;
  if (!offsets_) return consumer_errc::no_group_id;
  if (offsets.empty()) return {};
  for (const auto& [tp, om] : offsets)
    if (om.offset < 0) return consumer_errc::invalid_offset;
  auto entries = std::make_shared<std::vector<OffsetEntry>>(entries_of(offsets));
  const Clock::time_point deadline = Clock::now() + timeout;
  return run_on_io(
      [group = offsets_, membership = membership_, member = member_, entries,
       deadline]() -> asio::awaitable<std::error_code> {
        std::error_code ec = co_await group->commit(*entries, member, deadline);
        if (membership && is_stale_generation(ec)) membership->fenced(member.generation, ec);
        co_return ec;
      },
      timeout);
}

void ConsumerImpl::commit_async(CommitOffsets offsets, CommitCallback callback) {
  std::error_code refused = closed_ ? make_error_code(consumer_errc::consumer_closed)
                            : !offsets_ ? make_error_code(consumer_errc::no_group_id)
                                        : std::error_code{};
  for (const auto& [tp, om] : offsets)
    if (!refused && om.offset < 0) refused = consumer_errc::invalid_offset;
  if (refused || offsets.empty()) {
    finished_commits_.emplace_back(PendingCommit{std::move(offsets), std::move(callback)}, refused);
    return;
  }
  const std::uint64_t id = next_commit_++;
  auto entries = std::make_shared<std::vector<OffsetEntry>>(entries_of(offsets));
  async_commits_.emplace(id, PendingCommit{std::move(offsets), std::move(callback)});
  const Clock::time_point deadline = Clock::now() + config_.default_api_timeout;
  asio::co_spawn(
      io(),
      [group = offsets_, membership = membership_, member = member_, entries,
       deadline]() -> asio::awaitable<std::error_code> {
        std::error_code ec = co_await group->commit(*entries, member, deadline);
        if (membership && is_stale_generation(ec)) membership->fenced(member.generation, ec);
        co_return ec;
      },
      [queue = queue_, id](std::exception_ptr failure, std::error_code ec) {
        FetchEvent e;
        e.kind = FetchEvent::Kind::commit_done;
        e.generation = id;
        e.error = failure ? make_error_code(consumer_errc::consumer_closed) : ec;
        queue->push(std::move(e));
      });
}

void ConsumerImpl::commit_finished(const FetchEvent& e) {
  auto it = async_commits_.find(e.generation);
  if (it == async_commits_.end()) return;
  finished_commits_.emplace_back(std::move(it->second), e.error);
  async_commits_.erase(it);
}

void ConsumerImpl::run_commit_callbacks() {
  // Moved out first: a callback may commit again.
  auto finished = std::move(finished_commits_);
  finished_commits_.clear();
  for (auto& [commit, ec] : finished)
    if (commit.callback) commit.callback(ec, commit.offsets);
}

void ConsumerImpl::auto_commit_if_due() {
  if (!auto_commit_ || Clock::now() < next_auto_commit_) return;
  next_auto_commit_ = Clock::now() + config_.auto_commit_interval;
  CommitOffsets at = positions();
  if (!at.empty()) commit_async(std::move(at), {});
}

std::error_code ConsumerImpl::committed(std::span<const TopicPartition> partitions, CommitOffsets& out,
                                        std::chrono::milliseconds timeout) {
  if (closed_) return consumer_errc::consumer_closed;
  if (!offsets_) return consumer_errc::no_group_id;
  auto entries = std::make_shared<std::vector<OffsetEntry>>();
  std::vector<TopicPartition> sorted(partitions.begin(), partitions.end());
  std::sort(sorted.begin(), sorted.end());
  for (const TopicPartition& tp : sorted) {
    OffsetEntry& e = entries->emplace_back();
    e.topic = intern(tp.topic);
    e.partition = tp.partition;
  }
  const Clock::time_point deadline = Clock::now() + timeout;
  std::error_code ec = run_on_io(
      [group = offsets_, entries, deadline,
       stable = config_.isolation_level == IsolationLevel::read_committed]() -> asio::awaitable<std::error_code> {
        co_return co_await group->fetch(*entries, stable, deadline);
      },
      timeout);
  if (ec) return ec;
  out.clear();
  for (const OffsetEntry& e : *entries) {
    if (e.error) return e.error;
    if (e.offset >= 0) out[TopicPartition{*e.topic, e.partition}] = {e.offset, e.metadata, e.leader_epoch};
  }
  return {};
}

}  // namespace kwire::detail
