// ConsumerImpl's group subscription (see consumer_impl.hpp): subscribe(),
// unsubscribe() and leaving the group, and the changes the membership sends
// applied to the assignment with the rebalance listener's callbacks.
#include "consumer/consumer_impl.hpp"

#include <asio/post.hpp>

#include <algorithm>
#include <iterator>

#include "consumer/runnable_assignors.hpp"

namespace kwire::detail {

std::error_code ConsumerImpl::can_subscribe() const {
  if (closed_) return consumer_errc::consumer_closed;
  if (!membership_) return consumer_errc::no_group_id;
  if (!subscribed_ && !owned_.empty()) return consumer_errc::assignment_conflict;
  if (runnable_assignors(config_).empty()) return consumer_errc::unsupported_assignor;
  return {};
}

void ConsumerImpl::stop_pattern_watcher() {
  matched_.reset();
  if (!pattern_watcher_) return;
  asio::post(io(), [w = std::move(pattern_watcher_)] { w->stop(); });
  pattern_watcher_.reset();
}

std::vector<std::string> ConsumerImpl::subscription() const {
  return matched_ ? matched_->get() : subscription_;
}

std::error_code ConsumerImpl::subscribe(std::regex pattern, RebalanceListener listener) {
  if (std::error_code ec = can_subscribe()) return ec;
  stop_pattern_watcher();
  subscribed_ = true;
  subscription_.clear();
  listener_ = std::move(listener);
  std::weak_ptr<GroupMembership> weak = membership_;
  matched_ = std::make_shared<MatchedTopics>();
  pattern_watcher_ = std::make_shared<TopicPatternWatcher>(
      io_thread_.executor(), pool_, std::move(pattern), config_.metadata_max_age, config_.retry_backoff,
      [weak, matched = matched_](std::vector<std::string> topics) {
        // Before the membership rejoins with them: the revoke that follows
        // must see what is still subscribed.
        matched->set(topics);
        if (auto m = weak.lock()) m->subscribe(std::move(topics));
      });
  asio::post(io(), [w = pattern_watcher_] { w->start(); });
  return {};
}

std::error_code ConsumerImpl::subscribe(std::vector<std::string> topics, RebalanceListener listener) {
  if (std::error_code ec = can_subscribe()) return ec;
  stop_pattern_watcher();
  if (topics.empty()) {
    unsubscribe();
    return {};
  }
  subscribed_ = true;
  subscription_ = topics;
  listener_ = std::move(listener);
  asio::post(io(), [m = membership_, topics = std::move(topics)]() mutable { m->subscribe(std::move(topics)); });
  return {};
}

void ConsumerImpl::unsubscribe() {
  if (closed_ || !subscribed_) return;
  if (auto_commit_) {
    CommitOffsets at = positions();
    if (!at.empty()) commit(at, config_.default_api_timeout);
  }
  leave_group();
}

void ConsumerImpl::leave_group() {
  stop_pattern_watcher();  // before LeaveGroup: it must not rejoin
  if (!owned_.empty() && listener_.on_revoked) listener_.on_revoked(assignment());
  set_assignment({});
  subscribed_ = false;
  subscription_.clear();
  listener_ = {};
  member_ = GroupMember{-1, {}, config_.group_instance_id};
  // Changes the membership pushed before it left are stale now.
  std::erase_if(pending_, [](const FetchEvent& e) { return e.kind == FetchEvent::Kind::group; });
  const Clock::time_point deadline = Clock::now() + config_.default_api_timeout;
  run_on_io(
      [m = membership_, deadline]() -> asio::awaitable<std::error_code> { co_return co_await m->leave(deadline); },
      config_.default_api_timeout);
}

void ConsumerImpl::apply(const GroupChange& change) {
  switch (change.kind) {
    case GroupChange::Kind::assigned:
      member_ = change.member;
      if (change.cooperative) {
        apply_incremental(change.partitions);
        return;
      }
      set_assignment(change.partitions);
      if (listener_.on_assigned) listener_.on_assigned(change.partitions);
      return;
    case GroupChange::Kind::revoke: {
      if (change.cooperative) {
        // KIP-429: keep reading what is still subscribed; the coordinator
        // takes partitions away only through a later assignment.
        std::vector<TopicPartition> keep, drop;
        const std::vector<std::string> subscribed = subscription();
        for (const TopicPartition& tp : assignment())
          (std::count(subscribed.begin(), subscribed.end(), tp.topic) ? keep : drop).push_back(tp);
        if (!drop.empty()) revoke_some(drop, keep);
        asio::post(io(), [m = membership_, keep = std::move(keep), generation = member_.generation]() mutable {
          m->rejoin(std::move(keep), generation);
        });
        return;
      }
      const std::vector<TopicPartition> given_up = assignment();
      std::error_code ec;
      if (auto_commit_) {
        CommitOffsets at = positions();
        if (!at.empty()) ec = commit(at, config_.default_api_timeout);
      }
      // A commit refused as stale means the generation was already over: lost, not revoked.
      auto& callback = is_stale_generation(ec) ? listener_.on_lost : listener_.on_revoked;
      if (!given_up.empty() && callback) callback(given_up);
      set_assignment({});
      break;
    }
    case GroupChange::Kind::lost: {
      const std::vector<TopicPartition> lost = assignment();
      set_assignment({});
      if (!lost.empty() && listener_.on_lost) listener_.on_lost(lost);
      break;
    }
    case GroupChange::Kind::failed: {
      // Taken away with no chance to commit (a fenced static member's are another's now).
      const std::vector<TopicPartition> lost = assignment();
      set_assignment({});
      if (!lost.empty() && listener_.on_lost) listener_.on_lost(lost);
      records_.error_ = change.error;
      records_.error_detail_ = change.detail;
      return;
    }
  }
  member_ = GroupMember{-1, {}, config_.group_instance_id};
  asio::post(io(), [m = membership_] { m->rejoin({}, -1); });
}

void ConsumerImpl::revoke_some(const std::vector<TopicPartition>& revoked, const std::vector<TopicPartition>& rest) {
  if (auto_commit_) {
    CommitOffsets at = positions();
    std::erase_if(at, [&](const auto& entry) {
      return std::find(revoked.begin(), revoked.end(), entry.first) == revoked.end();
    });
    if (!at.empty()) commit(at, config_.default_api_timeout);
  }
  if (listener_.on_revoked) listener_.on_revoked(revoked);
  set_assignment(rest);
}

void ConsumerImpl::apply_incremental(const std::vector<TopicPartition>& target) {
  std::vector<TopicPartition> now = assignment(), wanted = target, revoked, added, kept;
  std::sort(now.begin(), now.end());
  std::sort(wanted.begin(), wanted.end());
  std::set_difference(now.begin(), now.end(), wanted.begin(), wanted.end(), std::back_inserter(revoked));
  std::set_difference(wanted.begin(), wanted.end(), now.begin(), now.end(), std::back_inserter(added));
  std::set_intersection(now.begin(), now.end(), wanted.begin(), wanted.end(), std::back_inserter(kept));
  // The partitions kept are not touched: same position, no callback.
  if (!revoked.empty()) revoke_some(revoked, kept);
  set_assignment(wanted);
  if (listener_.on_assigned) listener_.on_assigned(added);
  // What was given up goes to its new owner in a second round.
  if (!revoked.empty())
    asio::post(io(), [m = membership_, wanted = std::move(wanted), generation = member_.generation]() mutable {
      m->rejoin(std::move(wanted), generation);
    });
}

}  // namespace kwire::detail
