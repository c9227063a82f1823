// subscribe(pattern): which topics of the cluster a pattern names, kept up to
// date. Every metadata.max.age.ms (and at once on start) it asks a broker for
// every topic (Metadata with a null topic list), keeps those whose whole
// name matches the pattern (std::regex_match, as Java's Pattern.matches),
// leaves out internal topics (__consumer_offsets, __transaction_state: the
// broker's is_internal flag, as Java's exclude.internal.topics=true) and
// topics the broker reports with an error, and calls `on_change` with the
// sorted list whenever it differs from the last one reported (not for a first
// empty list). The consumer hands that list to GroupMembership, which
// rejoins with it: a topic created later joins the assignment at the next
// recheck. A failed request is retried after retry.backoff.ms.
// Thread: io_context thread only.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "kwire/net/connection_pool.hpp"

namespace kwire::detail {

class TopicPatternWatcher : public std::enable_shared_from_this<TopicPatternWatcher> {
 public:
  using OnChange = std::function<void(std::vector<std::string>)>;

  TopicPatternWatcher(asio::any_io_executor executor, std::shared_ptr<net::ConnectionPool> pool, std::regex pattern,
                      std::chrono::milliseconds interval, std::chrono::milliseconds retry_backoff, OnChange on_change);

  void start();
  void stop();

  // The matching topics of a Metadata answer's (name, internal, error) triples; pure.
  struct Listed {
    std::string name;
    bool internal = false;
    bool error = false;
  };
  static std::vector<std::string> matching(const std::regex& pattern, const std::vector<Listed>& topics);

 private:
  static asio::awaitable<void> run(std::shared_ptr<TopicPatternWatcher> self);
  // One Metadata round trip; false if it failed.
  asio::awaitable<bool> recheck();

  std::shared_ptr<net::ConnectionPool> pool_;
  const std::regex pattern_;
  const std::chrono::milliseconds interval_;
  const std::chrono::milliseconds retry_backoff_;
  OnChange on_change_;
  asio::steady_timer timer_;
  std::vector<std::string> reported_;
  bool reported_once_ = false;
  bool stopped_ = false;
};

}  // namespace kwire::detail
