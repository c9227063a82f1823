// The classic group protocol of a subscribed consumer (see group_membership.hpp).
#include "consumer/group_membership.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <set>
#include <utility>

#include "consumer/assignors.hpp"
#include "consumer/consumer_protocol.hpp"
#include "kwire/consumer_errors.hpp"
#include "kwire/errors.hpp"
#include "kwire/net/errors.hpp"
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/heartbeat_request.hpp"
#include "kwire/protocol/messages/heartbeat_response.hpp"
#include "kwire/protocol/messages/join_group_request.hpp"
#include "kwire/protocol/messages/join_group_response.hpp"
#include "kwire/protocol/messages/leave_group_request.hpp"
#include "kwire/protocol/messages/leave_group_response.hpp"
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

// The coordinator no longer knows this member's generation: join again.
// (FENCED_INSTANCE_ID is not one: it ends the membership, see is_fatal.)
bool is_fenced(std::error_code ec) {
  return ec == kafka_errc::illegal_generation || ec == kafka_errc::unknown_member_id;
}

// Errors after which joining again cannot help.
bool is_fatal(std::error_code ec) {
  return ec == kafka_errc::group_authorization_failed || ec == kafka_errc::inconsistent_group_protocol ||
         ec == kafka_errc::invalid_session_timeout || ec == kafka_errc::group_max_size_reached ||
         ec == kafka_errc::fenced_instance_id || ec == kafka_errc::invalid_group_id ||
         ec == kafka_errc::unsupported_version || ec == net::net_errc::no_common_version;
}

}  // namespace

struct GroupMembership::Joined {
  std::int32_t generation = -1;
  std::string protocol;
  bool leader = false;
  bool skip_assignment = false;
  std::vector<AssignorMember> members;  // the leader's view of every member's subscription
};

GroupMembership::GroupMembership(asio::any_io_executor executor, std::shared_ptr<MetadataCache> cache,
                                 std::shared_ptr<GroupOffsets> offsets, MembershipOptions options,
                                 std::shared_ptr<FetchQueue> queue, std::shared_ptr<const PollTimer> polls)
    : executor_(executor),
      cache_(std::move(cache)),
      offsets_(std::move(offsets)),
      options_(std::move(options)),
      queue_(std::move(queue)),
      polls_(std::move(polls)),
      wake_timer_(executor) {}

void GroupMembership::subscribe(std::vector<std::string> topics) {
  if (state_ == State::stopped) return;
  std::sort(topics.begin(), topics.end());
  topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
  if (topics == topics_ && state_ != State::idle) return;
  topics_ = std::move(topics);
  for (const std::string& t : topics_) cache_->add_topic(t);
  if (state_ == State::idle) state_ = State::joining;
  else resubscribe_ = true;
  if (!running_) {
    running_ = true;
    asio::co_spawn(executor_, run(shared_from_this()), asio::detached);
  }
  wake();
}

void GroupMembership::rejoin(std::vector<TopicPartition> owned, std::int32_t generation) {
  const bool second_round = state_ == State::stable && cooperative_ && generation == generation_;
  if (state_ != State::waiting_for_poll && !second_round) return;
  owned_ = std::move(owned);
  state_ = State::joining;
  wake();
}

void GroupMembership::fenced(std::int32_t generation, std::error_code ec) {
  if (state_ != State::stable || generation != generation_) return;
  if (ec == kafka_errc::fenced_instance_id) {
    fail(ec, "a commit of generation " + std::to_string(generation) + " was refused");
    return;
  }
  if (ec == kafka_errc::unknown_member_id) member_id_.clear();
  end_generation({GroupChange::Kind::lost, {}, {}, false, ec, "a commit of generation " + std::to_string(generation) +
                                                          " was refused: " + ec.message()});
}

void GroupMembership::fail(std::error_code ec, const std::string& where) {
  state_ = State::idle;
  owned_.clear();
  cooperative_ = false;
  push({GroupChange::Kind::failed, {}, {}, false, ec,
        "group " + options_.group_id + ": " + where + ": " + ec.message() +
            (ec == kafka_errc::fenced_instance_id
                 ? " (another consumer joined with group.instance.id " + options_.instance_id.value_or("") + ")"
                 : "")});
  wake();
}

void GroupMembership::stop() {
  state_ = State::stopped;
  wake();
}

GroupMember GroupMembership::member() const { return {generation_, member_id_, options_.instance_id}; }

void GroupMembership::push(GroupChange change) {
  FetchEvent e;
  e.kind = FetchEvent::Kind::group;
  e.group = std::make_shared<GroupChange>(std::move(change));
  queue_->push(std::move(e));
}

void GroupMembership::end_generation(GroupChange change) {
  state_ = State::waiting_for_poll;
  push(std::move(change));
  wake();
}

void GroupMembership::wake() { wake_timer_.cancel(); }

asio::awaitable<void> GroupMembership::sleep_until(Clock::time_point when) {
  wake_timer_.expires_at(when);
  std::error_code ignored;
  co_await wake_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

std::error_code GroupMembership::coordinator_error(std::error_code ec) {
  if (ec == kafka_errc::not_coordinator || ec == kafka_errc::coordinator_not_available ||
      net::is_retriable_net_error(ec))
    offsets_->coordinator().forget(CoordinatorType::group, options_.group_id);
  return ec;
}

template <typename Resp, typename Req>
asio::awaitable<std::error_code> GroupMembership::to_coordinator(const Req& request, std::chrono::milliseconds timeout,
                                                                 std::optional<std::int16_t> min_version,
                                                                 std::optional<std::int16_t> max_version,
                                                                 net::Response<Resp>& response) {
  std::int32_t node = -1;
  std::error_code ec =
      co_await offsets_->coordinator().find(CoordinatorType::group, options_.group_id, Clock::now() + timeout, node);
  if (ec) co_return coordinator_error(ec);
  net::SendOptions send;
  send.timeout = timeout;
  send.min_version = min_version;
  send.max_version = max_version;
  auto result = co_await cache_->pool().send<Resp>(node, request, send);
  if (result.error) co_return coordinator_error(result.error);
  response = std::move(result.response);
  co_return std::error_code{};
}

asio::awaitable<void> GroupMembership::run(std::shared_ptr<GroupMembership> self) {
  while (self->state_ != State::stopped) {
    if (self->state_ == State::joining) {
      const std::uint64_t epoch = self->epoch_;
      std::error_code ec = co_await self->join_and_sync();
      if (self->epoch_ != epoch || self->state_ != State::joining) continue;  // left or stopped meanwhile
      if (!ec) {
        self->state_ = State::stable;
        co_await self->heartbeat();
        continue;
      }
      if (is_fatal(ec)) {
        self->fail(ec, "join");
        continue;
      }
      if (is_fenced(ec) && self->cooperative_ && !self->owned_.empty()) {
        // A cooperative member joins holding its partitions; when the
        // coordinator no longer knows its generation they are lost.
        self->owned_.clear();
        self->cooperative_ = false;
        self->end_generation({GroupChange::Kind::lost, {}, {}, false, ec, "join: " + ec.message()});
        continue;
      }
      co_await self->sleep_until(Clock::now() + self->options_.retry_backoff);
      continue;
    }
    // idle or waiting for poll(): sleep until something changes.
    co_await self->sleep_until(Clock::now() + std::chrono::hours(1));
  }
}

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

bool GroupMembership::poll_overdue(Clock::time_point since) const {
  if (polls_->inside()) return false;
  return std::max(polls_->last(), since) + options_.rebalance_timeout <= Clock::now();
}

asio::awaitable<void> GroupMembership::heartbeat() {
  Clock::time_point next = Clock::now() + options_.heartbeat_interval;
  // Java's poll timer starts again with each generation: an application that
  // waited before its first poll() is not thrown out as soon as it joins.
  const Clock::time_point since = Clock::now();
  const std::uint64_t epoch = epoch_;
  while (state_ == State::stable && epoch_ == epoch) {
    // Inside a poll() the application is polling: look again at the next heartbeat.
    const Clock::time_point poll_due =
        polls_->inside() ? next : std::max(polls_->last(), since) + options_.rebalance_timeout;
    co_await sleep_until(std::min(next, poll_due));
    if (state_ != State::stable || epoch_ != epoch) co_return;
    if (resubscribe_) {  // poll() gives up what it must, then joins with the new topics
      end_generation({GroupChange::Kind::revoke, {}, {}, cooperative_, {}, "subscription changed"});
      co_return;
    }
    if (poll_overdue(since)) {
      co_await leave_for_poll_timeout(epoch);
      co_return;
    }
    if (Clock::now() < next) continue;  // woken early, or a poll() came in time
    msg::HeartbeatRequest req;
    req.group_id = options_.group_id;
    req.generation_id = generation_;
    req.member_id = member_id_;
    req.group_instance_id = options_.instance_id;
    net::Response<msg::HeartbeatResponse> resp;
    const auto timeout = std::min(options_.request_timeout, options_.session_timeout);
    std::error_code ec = co_await to_coordinator(
        req, timeout, options_.instance_id ? std::optional<std::int16_t>(3) : std::nullopt, std::nullopt, resp);
    if (state_ != State::stable || epoch_ != epoch) co_return;
    if (!ec) ec = coordinator_error(protocol::kafka_error(resp.body.error_code));
    if (!ec) {
      next = Clock::now() + options_.heartbeat_interval;
    } else if (ec == kafka_errc::rebalance_in_progress) {
      end_generation({GroupChange::Kind::revoke, {}, {}, cooperative_, {}, "the group is rebalancing"});
    } else if (ec == kafka_errc::fenced_instance_id) {
      // KIP-345: another consumer took this group.instance.id. Joining again
      // would fence it in turn; the membership ends here, as in Java and librdkafka.
      fail(ec, "heartbeat");
    } else if (is_fenced(ec)) {
      if (ec != kafka_errc::illegal_generation) member_id_.clear();
      end_generation({GroupChange::Kind::lost, {}, {}, false, ec, "heartbeat: " + ec.message()});
    } else if (ec == kafka_errc::group_authorization_failed) {
      fail(ec, "heartbeat");
    } else {
      // Coordinator moved or unreachable: try again soon; if the session
      // ends meanwhile, the coordinator says so (UNKNOWN_MEMBER_ID) when reached.
      next = Clock::now() + options_.retry_backoff;
    }
  }
}

asio::awaitable<void> GroupMembership::leave_for_poll_timeout(std::uint64_t epoch) {
  const std::string gone = std::exchange(member_id_, {});
  const std::int32_t generation = std::exchange(generation_, -1);
  owned_.clear();
  cooperative_ = false;
  // Nothing heartbeats, joins or takes a commit's fencing while LeaveGroup is out.
  state_ = State::waiting_for_poll;
  if (!options_.instance_id) {
    // Unanswered or refused, the session ends anyway: only sooner with an answer.
    co_await send_leave_group(gone, Clock::now() + std::min(options_.request_timeout, options_.session_timeout));
  }
  if (epoch_ != epoch) co_return;  // unsubscribed or closed meanwhile
  push({GroupChange::Kind::lost, {}, {}, false, make_error_code(consumer_errc::poll_interval_exceeded),
        "no poll() for max.poll.interval.ms (" + std::to_string(options_.rebalance_timeout.count()) +
            " ms): left generation " + std::to_string(generation) + " of group " + options_.group_id});
  wake();
}

asio::awaitable<std::error_code> GroupMembership::leave(Clock::time_point deadline) {
  const bool was_member = !member_id_.empty() && state_ != State::idle && state_ != State::stopped;
  ++epoch_;
  if (state_ != State::stopped) state_ = State::idle;
  topics_.clear();
  resubscribe_ = false;
  owned_.clear();
  cooperative_ = false;
  generation_ = -1;
  const std::string member_id = std::exchange(member_id_, {});
  wake();
  // A static member stays in the group until its session times out, so a
  // restart within session.timeout.ms gets its partitions back (KIP-345).
  if (!was_member || options_.instance_id) co_return std::error_code{};
  co_return co_await send_leave_group(member_id, deadline);
}

asio::awaitable<std::error_code> GroupMembership::send_leave_group(std::string member_id, Clock::time_point deadline) {
  std::int32_t node = -1;
  if (std::error_code ec =
          co_await offsets_->coordinator().find(CoordinatorType::group, options_.group_id, deadline, node))
    co_return ec;
  auto [ec, conn] = co_await cache_->pool().connection(node);
  if (ec) co_return ec;
  std::int16_t version = 0;
  if ((ec = conn->select_version(msg::LeaveGroupRequest::api_key, msg::LeaveGroupRequest::min_version,
                                 msg::LeaveGroupRequest::max_version, std::nullopt, version)))
    co_return ec;
  msg::LeaveGroupRequest req;
  req.group_id = options_.group_id;
  // v3+ names the members that leave (KIP-345 batches them); older versions one member id.
  if (version >= 3) req.members.push_back({member_id, std::nullopt, std::nullopt, {}});
  else req.member_id = member_id;
  net::SendOptions send;
  send.timeout = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()),
                          std::chrono::milliseconds(100));
  send.max_version = version;
  send.min_version = version;
  auto result = co_await conn->send<msg::LeaveGroupResponse>(req, send);
  if (result.error) co_return result.error;
  co_return protocol::kafka_error(result.response.body.error_code);
}

}  // namespace kwire::detail
