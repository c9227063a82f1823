// ConsumerImpl's poll() and async_poll (see consumer_impl.hpp): the events
// taken from the FetchQueue turned into a poll's records, group changes and
// commit callbacks.
#include "consumer/consumer_impl.hpp"

#include <asio/post.hpp>

namespace kwire::detail {

void ConsumerImpl::report(const PartitionKey& key, std::error_code ec, std::string detail) {
  records_.error_ = ec;
  records_.error_detail_ = std::move(detail);
  records_.error_partition_ = TopicPartition{*key.topic, key.partition};
}

void ConsumerImpl::fill() {
  const auto limit = static_cast<std::size_t>(config_.max_poll_records);
  auto& out = records_.records_;
  while (out.size() < limit && !records_.error_) {
    if (drain_.active()) {
      const PartitionKey key = drain_.current().partition;
      Owned& o = owned_.at(key);
      const std::size_t before = out.size();
      std::error_code ec = drain_.drain(out, limit, o.position);
      if (out.size() > before) o.position_epoch = out.back().leader_epoch;
      if (ec) {
        report(key, ec,
               "corrupt records in " + *key.topic + " [" + std::to_string(key.partition) + "] at offset " +
                   std::to_string(o.position) + ": " + ec.message());
        held_.push_back(drain_.finish());
        // Fetch again from the bad record: the error repeats until a seek past it.
        seek(TopicPartition{*key.topic, key.partition}, {StartPosition::Kind::offset, o.position, o.position_epoch});
        break;
      }
      if (drain_.active()) break;  // max.poll.records reached inside this data
      held_.push_back(drain_.finish());
      continue;
    }
    if (pending_.empty()) break;
    // A group change waits for the next poll once records are taken: they
    // belong to the assignment before it.
    if (pending_.front().kind == FetchEvent::Kind::group && !out.empty()) break;
    FetchEvent e = std::move(pending_.front());
    pending_.pop_front();
    if (e.kind == FetchEvent::Kind::commit_done) {
      commit_finished(e);
      continue;
    }
    if (e.kind == FetchEvent::Kind::group) {
      if (subscribed_) apply(*e.group);
      continue;
    }
    if (e.kind == FetchEvent::Kind::client_error) {
      records_.error_ = e.error;
      records_.error_detail_ = std::move(e.detail);
      continue;  // ends the loop: one error per poll
    }
    auto it = owned_.find(e.partition);
    if (it == owned_.end() || it->second.generation != e.generation) continue;
    Owned& o = it->second;
    switch (e.kind) {
      case FetchEvent::Kind::position:
        o.position = e.fetch_offset;
        o.position_epoch = e.leader_epoch;
        break;
      case FetchEvent::Kind::error: report(e.partition, e.error, std::move(e.detail)); break;
      case FetchEvent::Kind::records:
        if (o.position == e.fetch_offset && !o.paused) drain_.start(std::move(e));
        break;
      case FetchEvent::Kind::commit_done:
      case FetchEvent::Kind::group:
      case FetchEvent::Kind::client_error: break;
    }
  }
}

const ConsumerRecords& ConsumerImpl::poll(std::chrono::milliseconds timeout) {
  records_.records_.clear();
  records_.error_ = {};
  records_.error_detail_.clear();
  records_.error_partition_.reset();
  held_.clear();  // the last poll's records are released
  drain_.new_poll();
  if (closed_) {
    records_.error_ = consumer_errc::consumer_closed;
    return records_;
  }
  // A listener or commit callback that throws still ends this poll for the poll timer.
  struct Polling {
    PollTimer& timer;
    explicit Polling(PollTimer& t) : timer(t) { timer.entered(); }
    ~Polling() { timer.left(); }
  } polling(*polls_);
  auto_commit_if_due();
  const Clock::time_point deadline = Clock::now() + timeout;
  queue_->take(pending_, Clock::now());
  for (;;) {
    fill();
    if (!records_.records_.empty() || records_.error_ || destroying_ || !queue_->take(pending_, deadline)) break;
  }
  run_commit_callbacks();
  return records_;
}

void ConsumerImpl::start_poll(std::chrono::milliseconds timeout,
                              std::function<void(std::error_code, const ConsumerRecords&)> done) {
  std::lock_guard posting(start_poll_mu_);
  if (!poll_thread_) poll_thread_.emplace();
  poll_thread_->post([this, timeout, done = std::move(done)] {
    if (destroying_) {
      records_.records_.clear();
      records_.error_ = consumer_errc::consumer_closed;
      done(records_.error_, records_);
      return;
    }
    const ConsumerRecords& records = poll(timeout);
    done(records.error() == consumer_errc::consumer_closed ? records.error() : std::error_code{}, records);
  });
}

}  // namespace kwire::detail
