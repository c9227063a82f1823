// subscribe(pattern): the topics the pattern matched at the last listing of
// the cluster's topics. The TopicPatternWatcher's callback writes it on the
// io thread, before the group membership hears of the change; subscription()
// and the cooperative revoke (what is still subscribed) read it on the
// polling thread. One small lock per listing that changed and per read.
#pragma once

#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace kwire::detail {

class MatchedTopics {
 public:
  void set(std::vector<std::string> topics) {
    std::lock_guard lock(mu_);
    topics_ = std::move(topics);
  }
  std::vector<std::string> get() const {
    std::lock_guard lock(mu_);
    return topics_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> topics_;  // sorted, as the watcher reports them
};

}  // namespace kwire::detail
