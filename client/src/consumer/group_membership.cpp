// The classic group protocol of a subscribed consumer (see
// group_membership.hpp): the membership's states, its loop (join, then
// heartbeats until the generation ends), and the changes pushed to poll().
#include "consumer/group_membership.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <utility>

#include "consumer/group_coordinator_requests.hpp"
#include "kwire/net/errors.hpp"
#include "kwire/protocol/errors.hpp"

namespace kwire::detail {
namespace {

using kwire::protocol::kafka_errc;

// Errors after which joining again cannot help.
bool is_fatal(std::error_code ec) {
  return ec == kafka_errc::group_authorization_failed || ec == kafka_errc::inconsistent_group_protocol ||
         ec == kafka_errc::invalid_session_timeout || ec == kafka_errc::group_max_size_reached ||
         ec == kafka_errc::fenced_instance_id || ec == kafka_errc::invalid_group_id ||
         ec == kafka_errc::unsupported_version || ec == net::net_errc::no_common_version;
}

}  // namespace

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

}  // namespace kwire::detail
