// The Fetcher's leader epoch validation (KIP-320, see fetcher.hpp):
// OffsetForLeaderEpoch after a leader change, and a position moved back (or
// stopped with log_truncation) when the new leader's log diverges below it.
#include "consumer/fetcher.hpp"

#include <string>

#include "consumer/fetcher_request_helpers.hpp"
#include "consumer/request_topics.hpp"
#include "kwire/consumer_errors.hpp"
#include "kwire/net/errors.hpp"
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/offset_for_leader_epoch_request.hpp"
#include "kwire/protocol/messages/offset_for_leader_epoch_response.hpp"

namespace kwire::detail {
namespace {

namespace msg = kwire::protocol::messages;

// OffsetForLeaderEpoch below v3 is for replicas (no consumer's replica id, no
// topic permission check); Java's consumer skips validation there too.
constexpr std::int16_t kEpochLookupMinVersion = 3;

}  // namespace

asio::awaitable<void> Fetcher::validate([[maybe_unused]] std::shared_ptr<Fetcher> self, std::int32_t leader,
                                       std::vector<Sent> sent) {
  msg::OffsetForLeaderEpochRequest req;
  req.replica_id = -1;  // a consumer
  for (const Sent& x : sent) {
    msg::OffsetForLeaderEpochRequest::OffsetForLeaderTopic::OffsetForLeaderPartition p;
    p.partition = x.partition.partition;
    p.current_leader_epoch = x.leader_epoch;
    p.leader_epoch = x.fetched_epoch;
    topic_entry(req.topics, *x.partition.topic, &msg::OffsetForLeaderEpochRequest::OffsetForLeaderTopic::topic)
        .partitions.push_back(p);
  }
  net::SendOptions opts;
  opts.min_version = kEpochLookupMinVersion;
  opts.timeout = options_.request_timeout;
  auto result = co_await pool_->send<msg::OffsetForLeaderEpochResponse>(leader, req, opts);
  if (stopped_) co_return;
  request_done(sent);
  if (result.error) {
    // A broker that cannot answer for consumers: fetch on unvalidated, as Java does.
    const bool no_version =
        result.error == net::net_errc::no_common_version || result.error == net::net_errc::unsupported_api;
    for (const Sent& x : sent)
      if (State* s = current(x); s && s->validate && s->fetch_offset == x.offset) {
        if (no_version) s->validate = false;
        else retry_later(*s, result.error);
      }
    wake();
    co_return;
  }
  std::vector<std::pair<std::string_view, std::int32_t>> index;
  for (const Sent& x : sent) index.emplace_back(*x.partition.topic, x.partition.partition);
  for (const auto& rt : result.response.body.topics) {
    for (const auto& rp : rt.partitions) {
      for_each_answer(index, rt.topic, rp.partition, [&](std::size_t i) {
        const Sent& x = sent[i];
        State* s = current(x);
        if (!s || !s->validate || s->fetch_offset != x.offset || s->lookup != StartPosition::Kind::none) return;
        const std::error_code ec = protocol::kafka_error(rp.error_code);
        if (ec && protocol::is_retriable(ec)) return retry_later(*s, ec);
        if (ec)
          return stop_partition(x.partition, *s, ec,
                                "OffsetForLeaderEpoch " + partition_name(x.partition) + ": " +
                                    std::string(protocol::kafka_error_name(rp.error_code)));
        validated(x, *s, rp.leader_epoch, rp.end_offset);
      });
    }
  }
  wake();
}

void Fetcher::validated(const Sent& x, State& s, std::int32_t answered, std::int64_t end_offset) {
  s.validate = false;
  if (answered >= 0 && end_offset >= 0 && end_offset >= x.offset) return;  // no truncation below us
  const bool known = answered >= 0 && end_offset >= 0;
  if (options_.reset != OffsetReset::none) {
    if (known) {
      // Back to the first offset the new leader's log does not share with
      // the one we read: everything it holds from there on is read.
      set_position(x.partition, s, end_offset, answered);
    } else {
      // The leader knows nothing as old as our epoch: auto.offset.reset.
      s.fetch_offset = -1;
      s.fetched_epoch = -1;
      s.lookup = reset_kind();
    }
    return;
  }
  stop_partition(x.partition, s, make_error_code(consumer_errc::log_truncation),
                 partition_name(x.partition) + ": the log of leader epoch " + std::to_string(x.leader_epoch) +
                     " diverges from what was fetched at offset " +
                     (known ? std::to_string(end_offset) + " (epoch " + std::to_string(answered) + ")"
                            : std::string("an unknown offset (epoch ") + std::to_string(x.fetched_epoch) +
                                  " unknown to the leader)") +
                     ", below the fetch position " + std::to_string(x.offset));
}

}  // namespace kwire::detail
