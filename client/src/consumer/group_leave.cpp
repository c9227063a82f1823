// GroupMembership leaving its group (see group_membership.hpp): on request
// (unsubscribe, close), or when max.poll.interval.ms passed without a poll();
// LeaveGroup itself.
#include "consumer/group_membership.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "kwire/consumer_errors.hpp"
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/leave_group_request.hpp"
#include "kwire/protocol/messages/leave_group_response.hpp"

namespace kwire::detail {
namespace {

namespace msg = kwire::protocol::messages;

}  // namespace

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
