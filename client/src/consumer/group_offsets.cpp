// OffsetCommit and OffsetFetch (see group_offsets.hpp).
#include "consumer/group_offsets.hpp"

#include "consumer/request_topics.hpp"

#include "kwire/consumer_errors.hpp"
#include "kwire/errors.hpp"
#include "kwire/protocol/messages/offset_commit_request.hpp"
#include "kwire/protocol/messages/offset_commit_response.hpp"
#include "kwire/protocol/messages/offset_fetch_request.hpp"
#include "kwire/protocol/messages/offset_fetch_response.hpp"
#include "kwire/protocol/wire/wire_error.hpp"

namespace kwire::detail {
namespace {

namespace msg = kwire::protocol::messages;

// v9 is KIP-848's member epoch; v8 is the last of the classic protocol.
constexpr std::int16_t kOffsetCommitMaxVersion = 8;
// v8+ asks for several groups at once; one group is all a consumer has.
constexpr std::int16_t kOffsetFetchMaxVersion = 7;

// The coordinator client's own deadline error is the producer's; a
// consumer's caller hears consumer_timeout.
std::error_code consumer_error(std::error_code ec) {
  if (ec == errc::transaction_timeout) return consumer_errc::consumer_timeout;
  return ec;
}

// The first partition's error in an answer's topics, 0 if none.
template <typename Topics>
std::int16_t first_partition_error(const Topics& topics) {
  for (const auto& t : topics)
    for (const auto& p : t.partitions)
      if (p.error_code != 0) return p.error_code;
  return 0;
}

template <typename Fn>
void match(std::vector<OffsetEntry>& entries, const std::string& topic, std::int32_t partition, Fn&& fn) {
  for (OffsetEntry& e : entries)
    if (e.partition == partition && *e.topic == topic) fn(e);
}

}  // namespace

asio::awaitable<std::error_code> GroupOffsets::commit(std::vector<OffsetEntry>& entries, const GroupMember& member,
                                                      Clock::time_point deadline) {
  msg::OffsetCommitRequest req;
  req.group_id = group_id_;
  req.generation_id_or_member_epoch = member.generation;
  req.member_id = member.member_id;
  req.group_instance_id = member.instance_id;
  for (const OffsetEntry& e : entries) {
    msg::OffsetCommitRequest::OffsetCommitRequestTopic::OffsetCommitRequestPartition p;
    p.partition_index = e.partition;
    p.committed_offset = e.offset;
    p.committed_leader_epoch = e.leader_epoch;
    p.committed_metadata = e.metadata;
    topic_entry(req.topics, *e.topic).partitions.push_back(std::move(p));
  }
  net::SendOptions options;
  options.max_version = kOffsetCommitMaxVersion;
  auto first_error = [](const msg::OffsetCommitResponse& r) { return first_partition_error(r.topics); };
  auto result = co_await coordinator_.call<msg::OffsetCommitResponse>(CoordinatorType::group, group_id_, req, options,
                                                                      first_error, deadline);
  for (OffsetEntry& e : entries) e.error = consumer_error(result.error);
  for (const auto& t : result.body.topics)
    for (const auto& p : t.partitions)
      match(entries, t.name, p.partition_index, [&](OffsetEntry& e) { e.error = protocol::kafka_error(p.error_code); });
  co_return consumer_error(result.error);
}

asio::awaitable<std::error_code> GroupOffsets::fetch(std::vector<OffsetEntry>& entries, bool require_stable,
                                                     Clock::time_point deadline) {
  msg::OffsetFetchRequest req;
  req.group_id = group_id_;
  req.require_stable = require_stable;
  req.topics.emplace();
  for (const OffsetEntry& e : entries) {
    topic_entry(*req.topics, *e.topic).partition_indexes.push_back(e.partition);
  }
  net::SendOptions options;
  options.max_version = kOffsetFetchMaxVersion;
  auto first_error = [](const msg::OffsetFetchResponse& r) {
    return r.error_code != 0 ? r.error_code : first_partition_error(r.topics);
  };
  auto result = co_await coordinator_.call<msg::OffsetFetchResponse>(CoordinatorType::group, group_id_, req, options,
                                                                     first_error, deadline);
  if (result.error == protocol::wire_errc::non_default_ignorable && req.require_stable) {
    // RequireStable came with v7: an older coordinator cannot hold back
    // offsets of open transactions, so ask without it, as Java and librdkafka do.
    req.require_stable = false;
    result = co_await coordinator_.call<msg::OffsetFetchResponse>(CoordinatorType::group, group_id_, req, options,
                                                                  first_error, deadline);
  }
  if (result.error) co_return consumer_error(result.error);
  for (const auto& t : result.body.topics)
    for (const auto& p : t.partitions)
      match(entries, t.name, p.partition_index, [&](OffsetEntry& e) {
        e.error = protocol::kafka_error(p.error_code);
        e.offset = p.committed_offset;
        e.leader_epoch = p.committed_leader_epoch;
        e.metadata = p.metadata.value_or("");
      });
  co_return std::error_code{};
}

}  // namespace kwire::detail
