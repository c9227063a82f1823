// The topics a subscribe(pattern) names (see topic_pattern_watcher.hpp).
#include "consumer/topic_pattern_watcher.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <utility>

#include "kwire/protocol/messages/metadata_request.hpp"
#include "kwire/protocol/messages/metadata_response.hpp"

namespace kwire::detail {

namespace msg = kwire::protocol::messages;

TopicPatternWatcher::TopicPatternWatcher(asio::any_io_executor executor, std::shared_ptr<net::ConnectionPool> pool,
                                         std::regex pattern, std::chrono::milliseconds interval,
                                         std::chrono::milliseconds retry_backoff, OnChange on_change)
    : pool_(std::move(pool)),
      pattern_(std::move(pattern)),
      interval_(interval),
      retry_backoff_(retry_backoff),
      on_change_(std::move(on_change)),
      timer_(executor) {}

void TopicPatternWatcher::start() { asio::co_spawn(timer_.get_executor(), run(shared_from_this()), asio::detached); }

void TopicPatternWatcher::stop() {
  stopped_ = true;
  on_change_ = {};
  timer_.cancel();
}

std::vector<std::string> TopicPatternWatcher::matching(const std::regex& pattern, const std::vector<Listed>& topics) {
  std::vector<std::string> out;
  for (const Listed& t : topics)
    if (!t.internal && !t.error && std::regex_match(t.name, pattern)) out.push_back(t.name);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

asio::awaitable<void> TopicPatternWatcher::run(std::shared_ptr<TopicPatternWatcher> self) {
  while (!self->stopped_) {
    const bool ok = co_await self->recheck();
    if (self->stopped_) break;
    self->timer_.expires_after(ok ? self->interval_ : self->retry_backoff_);
    std::error_code ignored;
    co_await self->timer_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

asio::awaitable<bool> TopicPatternWatcher::recheck() {
  msg::MetadataRequest request;
  // v1+: every topic. allow_auto_topic_creation keeps its default: it
  // applies to named topics only, and a non-default value would rule out
  // versions below 4 (librdkafka's mock answers v0-2).
  request.topics = std::nullopt;
  auto result = co_await pool_->send_any<msg::MetadataResponse>(request);
  if (stopped_ || result.error) co_return false;
  std::vector<Listed> listed;
  listed.reserve(result.response.body.topics.size());
  for (const auto& t : result.response.body.topics)
    if (t.name) listed.push_back({*t.name, t.is_internal, t.error_code != 0});
  std::vector<std::string> now = matching(pattern_, listed);
  if (now == reported_ && (reported_once_ || now.empty())) co_return true;
  reported_ = now;
  reported_once_ = true;
  if (on_change_) on_change_(std::move(now));
  co_return true;
}

}  // namespace kwire::detail
