// GroupMembership's heartbeats (see group_membership.hpp): one every
// heartbeat.interval.ms while the generation lasts, and what an answer or a
// missed poll() ends it with.
#include "consumer/group_membership.hpp"

#include <algorithm>

#include "consumer/group_coordinator_requests.hpp"
#include "kwire/protocol/errors.hpp"
#include "kwire/protocol/messages/heartbeat_request.hpp"
#include "kwire/protocol/messages/heartbeat_response.hpp"

namespace kwire::detail {
namespace {

namespace msg = kwire::protocol::messages;
using kwire::protocol::kafka_errc;

}  // namespace

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

}  // namespace kwire::detail
