// GroupMembership's JoinGroup/SyncGroup round (see group_membership.hpp):
// joining, the leader's assignment of the members' subscriptions, and the
// SyncGroup that hands this member its partitions.
#include "consumer/group_membership.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "consumer/assignors.hpp"
#include "consumer/consumer_protocol.hpp"
#include "consumer/group_coordinator_requests.hpp"
#include "kwire/consumer_errors.hpp"
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/join_group_request.hpp"
#include "kwire/protocol/messages/join_group_response.hpp"
#include "kwire/protocol/messages/sync_group_request.hpp"
#include "kwire/protocol/messages/sync_group_response.hpp"

namespace kwire::detail {
namespace {

namespace msg = kwire::protocol::messages;
using kwire::protocol::kafka_errc;

constexpr const char* kProtocolType = "consumer";
constexpr std::string_view kCooperativeSticky = "cooperative-sticky";
// A JoinGroup or SyncGroup waits for the other members, up to the rebalance
// timeout; the Java client gives it that plus 5 s before calling it lost.
constexpr std::chrono::milliseconds kJoinGrace{5000};

}  // namespace

struct GroupMembership::Joined {
  std::int32_t generation = -1;
  std::string protocol;
  bool leader = false;
  bool skip_assignment = false;
  std::vector<AssignorMember> members;  // the leader's view of every member's subscription
};

asio::awaitable<std::error_code> GroupMembership::join_and_sync() {
  Joined joined;
  if (std::error_code ec = co_await join(joined)) co_return ec;
  std::vector<std::pair<std::string, std::vector<std::uint8_t>>> assignments;
  const std::uint64_t epoch = epoch_;
  if (joined.leader && !joined.skip_assignment)
    if (std::error_code ec = co_await assign_as_leader(joined, assignments)) co_return ec;
  if (epoch_ != epoch || state_ != State::joining) co_return make_error_code(consumer_errc::consumer_closed);
  std::vector<TopicPartition> mine;
  if (std::error_code ec = co_await sync(joined, assignments, mine)) co_return ec;
  cooperative_ = joined.protocol == kCooperativeSticky;
  push({GroupChange::Kind::assigned, std::move(mine), member(), cooperative_, {}, {}});
  co_return std::error_code{};
}

asio::awaitable<std::error_code> GroupMembership::join(Joined& joined) {
  const std::uint64_t epoch = epoch_;
  for (;;) {
    resubscribe_ = false;
    GroupSubscription subscription;
    subscription.topics = topics_;
    subscription.owned = owned_;
    if (!options_.rack.empty()) subscription.rack = options_.rack;
    const std::vector<std::uint8_t> metadata = encode_subscription(subscription);
    msg::JoinGroupRequest req;
    req.group_id = options_.group_id;
    req.session_timeout_ms = static_cast<std::int32_t>(options_.session_timeout.count());
    req.rebalance_timeout_ms = static_cast<std::int32_t>(options_.rebalance_timeout.count());
    req.member_id = member_id_;
    req.group_instance_id = options_.instance_id;
    req.protocol_type = kProtocolType;
    for (const std::string& name : options_.assignors) {
      auto& p = req.protocols.emplace_back();
      p.name = name;
      p.metadata = protocol::Bytes(metadata.data(), metadata.size());
    }
    ++joins_;
    net::Response<msg::JoinGroupResponse> resp;
    // A static member needs v5+ (group.instance.id); v6+ is flexible, which the mock does not speak.
    std::error_code ec = co_await to_coordinator<msg::JoinGroupResponse>(req, options_.rebalance_timeout + kJoinGrace,
                                                 options_.instance_id ? std::optional<std::int16_t>(5) : std::nullopt,
                                                 std::nullopt, resp);
    // Left (or stopped) while waiting: this answer is for a membership that is over.
    if (epoch_ != epoch || state_ != State::joining) co_return make_error_code(consumer_errc::consumer_closed);
    if (ec) co_return ec;
    const msg::JoinGroupResponse& r = resp.body;
    ec = coordinator_error(protocol::kafka_error(r.error_code));
    if (ec == kafka_errc::member_id_required) {  // KIP-394: join again with the id given
      member_id_ = r.member_id;
      continue;
    }
    if (ec == kafka_errc::unknown_member_id) member_id_.clear();
    if (ec) co_return ec;
    member_id_ = r.member_id;
    generation_ = r.generation_id;
    joined.generation = r.generation_id;
    joined.protocol = r.protocol_name.value_or("");
    joined.leader = r.leader == r.member_id;
    joined.skip_assignment = r.skip_assignment;
    for (const auto& m : r.members) {
      GroupSubscription s;
      if (decode_subscription(std::vector<std::uint8_t>(m.metadata.begin(), m.metadata.end()), s)) continue;
      joined.members.push_back({m.member_id, m.group_instance_id, std::move(s.topics), std::move(s.owned), s.generation});
    }
    co_return std::error_code{};
  }
}

asio::awaitable<std::error_code> GroupMembership::assign_as_leader(
    const Joined& joined, std::vector<std::pair<std::string, std::vector<std::uint8_t>>>& out) {
  std::set<std::string> topics;
  for (const AssignorMember& m : joined.members) topics.insert(m.topics.begin(), m.topics.end());
  // Partition counts from a Metadata answer made after the join, as
  // librdkafka's leader does: topics created or grown since the last refresh
  // are assigned whole, and the followers' SyncGroups (sent as soon as they
  // were answered) arrive before the leader's, which a coordinator like
  // librdkafka's mock, answering only the SyncGroups it holds when the
  // leader's arrives, needs.
  for (const std::string& t : topics) cache_->add_topic(t);
  co_await cache_->refresh();
  PartitionCounts counts;
  for (const std::string& t : topics) {
    // A topic that does not exist (yet) is left out; a later metadata change is a later rebalance.
    if (co_await cache_->wait_for_topic(t, options_.request_timeout)) continue;
    if (auto n = cache_->partition_count(t)) counts[t] = *n;
  }
  GroupAssignments assignments;
  if (joined.protocol == "range") assignments = assign_range(joined.members, counts);
  else if (joined.protocol == "roundrobin") assignments = assign_roundrobin(joined.members, counts);
  else if (joined.protocol == kCooperativeSticky) {
    assignments = assign_cooperative_sticky(joined.members, counts);
    withhold_moving(assignments, joined.members);
  } else co_return make_error_code(kafka_errc::inconsistent_group_protocol);
  for (auto& [member, partitions] : assignments) out.emplace_back(member, encode_assignment({partitions, {}}));
  co_return std::error_code{};
}

asio::awaitable<std::error_code> GroupMembership::sync(
    const Joined& joined, const std::vector<std::pair<std::string, std::vector<std::uint8_t>>>& assignments,
    std::vector<TopicPartition>& mine) {
  msg::SyncGroupRequest req;
  req.group_id = options_.group_id;
  req.generation_id = joined.generation;
  req.member_id = member_id_;
  req.group_instance_id = options_.instance_id;
  req.protocol_type = kProtocolType;
  req.protocol_name = joined.protocol;
  for (const auto& [member, bytes] : assignments) {
    auto& a = req.assignments.emplace_back();
    a.member_id = member;
    a.assignment = protocol::Bytes(bytes.data(), bytes.size());
  }
  net::Response<msg::SyncGroupResponse> resp;
  const std::uint64_t epoch = epoch_;
  std::error_code ec = co_await to_coordinator(req, options_.rebalance_timeout + kJoinGrace,
                                               options_.instance_id ? std::optional<std::int16_t>(3) : std::nullopt,
                                               std::nullopt, resp);
  if (epoch_ != epoch || state_ != State::joining) co_return make_error_code(consumer_errc::consumer_closed);
  if (ec) co_return ec;
  ec = coordinator_error(protocol::kafka_error(resp.body.error_code));
  if (ec == kafka_errc::unknown_member_id) member_id_.clear();
  if (ec) co_return ec;  // REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION...: join again
  GroupAssignment assignment;
  const protocol::Bytes& bytes = resp.body.assignment;
  // An empty assignment (a member with nothing to read) may come as no bytes at all.
  if (!bytes.empty())
    if (std::error_code bad = decode_assignment(std::vector<std::uint8_t>(bytes.begin(), bytes.end()), assignment))
      co_return bad;
  mine = std::move(assignment.partitions);
  std::sort(mine.begin(), mine.end());
  co_return std::error_code{};
}

}  // namespace kwire::detail
