// The Fetcher's Fetch requests (see fetcher.hpp): building one from a fetch
// session, sending it within the memory budget, handling its answer, and
// closing the sessions of leaders no longer fetched from and, at stop(),
// every session.
#include "consumer/fetcher.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <string_view>
#include <utility>

#include "consumer/fetch_answer.hpp"
#include "consumer/fetcher_request_helpers.hpp"
#include "consumer/request_topics.hpp"
#include "kwire/errors.hpp"
#include "kwire/net/errors.hpp"
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/fetch_request.hpp"
#include "kwire/protocol/messages/fetch_response.hpp"

namespace kwire::detail {
namespace {

namespace msg = kwire::protocol::messages;
using kwire::protocol::kafka_errc;

// Fetch v13+ names topics by id, which the metadata cache does not keep.
constexpr std::int16_t kFetchMaxVersion = 12;

// What a Fetch answer for `partitions` partitions can hold: the records the
// request allows (the broker stops at max_bytes, or each partition at its
// own limit) plus each partition's fields and the answer's own. A first
// batch above the limits still comes whole (KIP-74); the frame reader then
// grows the buffer for it.
std::size_t fetch_response_bound(std::int32_t max_bytes, std::int32_t partition_max_bytes, std::size_t partitions) {
  constexpr std::size_t kPerPartition = 128;  // ids, watermarks, epochs, error, lengths (no aborted list)
  constexpr std::size_t kHeader = 4096;
  const std::size_t records = std::min<std::size_t>(static_cast<std::size_t>(std::max(max_bytes, 0)),
                                                    static_cast<std::size_t>(std::max(partition_max_bytes, 0)) * partitions);
  return records + partitions * kPerPartition + kHeader;
}

// Fetch sessions (KIP-227) exist from v7.
constexpr std::int16_t kSessionMinVersion = 7;

// What one Fetch may ask for: fetch.max.bytes, but no more than the room
// fetch.buffer.bytes leaves beside the frames poll() still holds and the
// Fetches already in flight, so fetched data stays near that bound (a full
// fetch.max.bytes answer on top of a full buffer doubled it). Never below one
// partition's limit, so a consumer with a full buffer still gets something
// when it asks (it asks only once the buffer is under its bound).
std::int32_t fetch_budget(std::int32_t max_bytes, std::int32_t partition_max_bytes, std::int64_t room) {
  const std::int64_t floor = std::min(max_bytes, partition_max_bytes);
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(room, floor, max_bytes));
}

// The Fetch a session request stands for: the partitions to send (grouped
// by topic: they come in PartitionKey order) and, incremental, to forget.
msg::FetchRequest fetch_request(const FetcherOptions& options, const SessionRequest& session) {
  msg::FetchRequest req;
  req.replica_id = -1;
  req.max_wait_ms = static_cast<std::int32_t>(options.max_wait.count());
  req.min_bytes = options.min_bytes;
  req.max_bytes = options.max_bytes;
  req.isolation_level = static_cast<std::int8_t>(options.isolation);
  req.rack_id = options.rack;
  req.session_id = session.session_id;
  req.session_epoch = session.epoch;
  for (const SessionPartition& x : session.send) {
    msg::FetchRequest::FetchTopic::FetchPartition fp;
    fp.partition = x.partition.partition;
    fp.fetch_offset = x.fetch_offset;
    fp.current_leader_epoch = x.leader_epoch;  // v9+: the leader fences a stale view
    fp.partition_max_bytes = x.max_bytes;
    topic_entry(req.topics, *x.partition.topic, &msg::FetchRequest::FetchTopic::topic).partitions.push_back(fp);
  }
  for (const PartitionKey& key : session.forget)
    topic_entry(req.forgotten_topics_data, *key.topic, &msg::FetchRequest::ForgottenTopic::topic)
        .partitions.push_back(key.partition);
  return req;
}

}  // namespace

void Fetcher::close_idle_sessions(const std::set<std::int32_t>& led) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const std::int32_t leader = it->first;
    if (led.count(leader) || fetching_.count(leader)) {
      ++it;
      continue;
    }
    if (it->second.open()) send_close(leader, it->second, options_.request_timeout);
    it = sessions_.erase(it);
  }
}

void Fetcher::send_close(std::int32_t leader, FetchSession& session, std::chrono::milliseconds timeout) {
  fetching_.insert(leader);  // one request per leader at a time, the close too
  ++closing_;
  asio::co_spawn(executor_, close_session(shared_from_this(), leader, session.close(), timeout), asio::detached);
}

void Fetcher::leader_done(std::int32_t leader) {
  fetching_.erase(leader);
  if (stopped_) stop_timer_.cancel();  // stop() may be waiting for this leader
}

asio::awaitable<void> Fetcher::close_session([[maybe_unused]] std::shared_ptr<Fetcher> self, std::int32_t leader,
                                             SessionRequest close, std::chrono::milliseconds timeout) {
  msg::FetchRequest req = fetch_request(options_, close);
  req.max_wait_ms = 0;
  net::SendOptions opts;
  opts.max_version = kFetchMaxVersion;
  opts.min_version = kSessionMinVersion;
  opts.timeout = timeout;
  // Whatever the answer, the session is gone on this side; the broker would
  // evict it in time anyway.
  co_await pool_->send<msg::FetchResponse>(leader, req, opts);
  --closing_;
  leader_done(leader);
  if (!stopped_) wake();
}

asio::awaitable<void> Fetcher::stop(Clock::time_point deadline) {
  stopped_ = true;
  wake_timer_.cancel();
  std::set<std::int32_t> unsent;  // leaders whose open session has no close sent yet
  for (const auto& [leader, session] : sessions_)
    if (session.open()) unsent.insert(leader);
  for (Clock::time_point now = Clock::now(); now < deadline; now = Clock::now()) {
    for (auto it = unsent.begin(); it != unsent.end();) {
      if (fetching_.count(*it)) {
        ++it;  // its Fetch first: the answer may close the session or move its epoch
        continue;
      }
      FetchSession& session = sessions_[*it];
      if (session.open())
        send_close(*it, session, std::chrono::ceil<std::chrono::milliseconds>(
                                     std::min<Clock::duration>(deadline - now, options_.request_timeout)));
      it = unsent.erase(it);
    }
    if (unsent.empty() && closing_ == 0) break;
    stop_timer_.expires_at(deadline);
    std::error_code ignored;
    co_await stop_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

asio::awaitable<void> Fetcher::fetch([[maybe_unused]] std::shared_ptr<Fetcher> self, std::int32_t leader, std::vector<Sent> sent) {
  std::vector<SessionPartition> partitions;
  partitions.reserve(sent.size());
  for (const Sent& x : sent)
    partitions.push_back({x.partition, x.offset, x.leader_epoch, options_.partition_max_bytes});
  const SessionRequest session = sessions_[leader].next(partitions);
  msg::FetchRequest req = fetch_request(options_, session);
  req.max_bytes = fetch_budget(options_.max_bytes, options_.partition_max_bytes,
                               memory_->limit() - memory_->used() - reserved_);
  reserved_ += req.max_bytes;
  std::vector<std::pair<std::string_view, std::int32_t>> index;
  for (const Sent& x : sent) index.emplace_back(*x.partition.topic, x.partition.partition);
  net::SendOptions opts;
  opts.max_version = kFetchMaxVersion;
  // The isolation level exists from v4; older versions return uncommitted
  // records, so read_committed never goes below it.
  if (options_.isolation == IsolationLevel::read_committed) opts.min_version = 4;
  // An incremental request means nothing without sessions.
  if (session.incremental) opts.min_version = kSessionMinVersion;
  opts.timeout = options_.request_timeout + options_.max_wait;
  opts.response_bytes = fetch_response_bound(req.max_bytes, options_.partition_max_bytes, sent.size());
  auto result = co_await pool_->send<msg::FetchResponse>(leader, req, opts);
  reserved_ -= req.max_bytes;
  // Before stop() sees the leader free: the answer may have closed the
  // session, which then needs no close.
  FetchSession& fs = sessions_[leader];
  if (result.error) fs.failed();
  else fs.answered(result.response.body.error_code, result.response.body.session_id);
  leader_done(leader);
  if (stopped_) co_return;
  request_done(sent);
  std::error_code top = result.error ? result.error : protocol::kafka_error(result.response.body.error_code);
  const bool no_version = top == net::net_errc::no_common_version || top == net::net_errc::unsupported_api;
  if (top == kafka_errc::fetch_session_id_not_found || top == kafka_errc::invalid_fetch_session_epoch ||
      (no_version && session.incremental)) {
    // The session is gone or out of step (or the broker no longer speaks
    // v7): fetch again at once, in full.
    if (no_version) fs.reset();
    wake();
    co_return;
  }
  if (top) {
    // No version both sides know can carry the request: asking again will not
    // help, so the partitions stop with the error (a seek starts them again).
    for (const Sent& x : sent)
      if (State* s = current(x)) {
        if (no_version)
          stop_partition(x.partition, *s, top, "Fetch " + partition_name(x.partition) + ": " + top.message());
        else
          retry_later(*s, top);
      }
    wake();
    co_return;
  }
  std::shared_ptr<FetchedFrame> frame;
  for (auto& rt : result.response.body.responses) {
    for (auto& rp : rt.partitions) {
      for_each_answer(index, rt.topic, rp.partition_index, [&](std::size_t i) {
        const Sent& x = sent[i];
        State* s = current(x);
        if (!s || s->fetch_offset != x.offset || s->lookup != StartPosition::Kind::none || s->validate) return;
        FetchAnswer answer = judge_fetch_answer(rp, partition_name(x.partition), x.offset, options_.isolation,
                                                options_.reset, options_.partition_max_bytes);
        switch (answer.kind) {
          case FetchAnswer::Kind::nothing: return;
          case FetchAnswer::Kind::reset:
            s->fetch_offset = -1;
            s->lookup = reset_kind();
            return;
          case FetchAnswer::Kind::retry: return retry_later(*s, answer.error);
          case FetchAnswer::Kind::stop: return stop_partition(x.partition, *s, answer.error, std::move(answer.detail));
          case FetchAnswer::Kind::records: break;
        }
        if (!frame) frame = std::make_shared<FetchedFrame>(result.response.frame, memory_);
        FetchEvent e;
        e.kind = FetchEvent::Kind::records;
        e.partition = x.partition;
        e.generation = s->generation;
        e.fetch_offset = x.offset;
        e.next_offset = answer.next_offset;
        e.frame = frame;
        e.records = *rp.records;
        e.aborted = std::move(answer.aborted);
        s->fetch_offset = answer.next_offset;
        s->fetched_epoch = answer.last_epoch;
        queue_->push(std::move(e));
      });
    }
  }
  wake();
}

}  // namespace kwire::detail
