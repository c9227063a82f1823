// The Producer's insides (see producer_impl.hpp): start-up, the send path
// (metadata, partition, size checks, append), flush, direct batches, and the
// questions user threads ask the io thread (purge, metrics). The close
// sequence: producer_close.cpp.
#include "producer/producer_impl.hpp"

#include <asio/post.hpp>

#include <algorithm>
#include <memory>
#include <span>
#include <string>
#include <utility>

#include "config/topic_name.hpp"
#include "kwire/errors.hpp"

namespace kwire::detail {

namespace {

ProducerConfig validated(ProducerConfig config) {
  std::string why;
  if (std::error_code ec = config.validate(why)) throw ConfigError(ec, why);
  return config;
}

}  // namespace

std::int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ProducerImpl::ProducerImpl(ProducerConfig config, const BackendFactory& factory)
    : config_(validated(std::move(config))),
      dispatcher_(config_.enable_manual_events_poll),
      accumulator_(AccumulatorOptions::from(config_), dispatcher_),
      partitioner_(config_.partitioner, config_.custom_partitioner,
                   static_cast<std::size_t>(std::max<std::int32_t>(config_.batch_size, 1))),
      send_limit_(static_cast<std::size_t>(std::min<std::int64_t>(config_.max_request_size, config_.buffer_memory))) {
  backend_ = factory(io_thread_.executor(), config_);
  dispatcher_.count_into(&stats_);
  sender_ = std::make_unique<Sender>(io_thread_.executor(), accumulator_, *backend_.transport, SenderOptions::from(config_));
  sender_->count_into(&stats_);
  if (config_.transactional_id) {
    txn_ = std::make_unique<TransactionCalls>(io(), accumulator_, sender_->idempotence(), sender_->counters(),
                                              backend_.pool, config_);
    if (TransactionRequests* requests = txn_->requests()) sender_->pull_transactions_from(*requests);
  }
  sender_->start();
  io_thread_.start();
}

std::error_code ProducerImpl::partition_count(std::string_view topic, Clock::time_point deadline,
                                              std::int32_t& count) {
  if (auto n = backend_.metadata->partition_count(topic)) {
    count = *n;
    return {};
  }
  // A name Kafka refuses never gets metadata: say so now, not after
  // max.block.ms (checked on a cache miss only: a known topic is valid).
  if (!valid_topic_name(topic)) return errc::invalid_topic;
  // Waiting on the io thread would stall the very thread that fetches metadata.
  if (on_io_thread()) return errc::would_deadlock;
  if (std::error_code ec = backend_.metadata->wait_for_topic(topic, deadline)) return ec;
  auto n = backend_.metadata->partition_count(topic);
  if (!n) return errc::metadata_timeout;
  count = *n;
  return {};
}

std::error_code ProducerImpl::partitions(std::string_view topic, Clock::time_point deadline,
                                        std::vector<PartitionInfo>& out) {
  std::int32_t count = 0;
  if (std::error_code ec = partition_count(topic, deadline, count)) return ec;
  if (const TopicPartitionsView* view = view_of(topic_handle(topic))) {
    out = view->partitions;
    return {};
  }
  out.assign(static_cast<std::size_t>(count), PartitionInfo{});
  for (std::int32_t p = 0; p < count; ++p) out[static_cast<std::size_t>(p)].partition = p;
  return {};
}

ProducerImpl::Clock::time_point ProducerImpl::block_deadline() const {
  return on_io_thread() ? Clock::now() : Clock::now() + config_.max_block;
}

std::error_code ProducerImpl::check_send(std::string_view topic, std::size_t bytes, std::size_t limit,
                                         const SendDeadline& deadline, const std::atomic<std::int32_t>* known,
                                         std::int32_t& count) {
  if (topic.empty()) return errc::invalid_topic;
  if (accumulator_.closed()) return errc::producer_closed;
  if (txn_) {
    if (std::error_code ec = txn_->check_send()) return ec;
  }
  if (bytes > limit) return errc::record_too_large;
  if (known != nullptr) {
    count = known->load(std::memory_order_acquire);
    return {};
  }
  return partition_count(topic, deadline.get(), count);
}

ProducerImpl::TopicHandle& ProducerImpl::topic_handle(std::string_view topic) {
  TopicHandle& h = topics_.find_or_add(topic, [&] {
    auto made = std::make_unique<TopicHandle>();
    made->sticky = &partitioner_.sticky_state(topic);
    made->queues = &accumulator_.topic_queues(topic);
    return made;
  });
  // Known topics only get here, so the slots, if the source keeps them, exist.
  if (h.count.load(std::memory_order_acquire) == nullptr) {
    h.count.store(backend_.metadata->partition_count_slot(topic), std::memory_order_release);
  }
  if (h.view.load(std::memory_order_acquire) == nullptr) {
    h.view.store(backend_.metadata->partitions_view_slot(topic), std::memory_order_release);
  }
  return h;
}

const TopicPartitionsView* ProducerImpl::view_of(const TopicHandle& topic) {
  const std::atomic<const TopicPartitionsView*>* slot = topic.view.load(std::memory_order_acquire);
  return slot != nullptr ? slot->load(std::memory_order_acquire) : nullptr;
}

Partitioner::Choice ProducerImpl::choose_custom(const Record& r, TopicHandle& topic, std::int32_t& count) {
  std::span<const std::int32_t> available;
  if (const TopicPartitionsView* view = view_of(topic)) {
    available = view->available;
    count = static_cast<std::int32_t>(view->partitions.size());
  }
  return partitioner_.choose(r.topic, *topic.sticky, r.key, count, available);
}

std::error_code ProducerImpl::transaction_calls(bool blocking, TransactionCalls*& out) const {
  if (!txn_ || !txn_->available()) return errc::transactions_unavailable;
  if (blocking && on_io_thread()) return errc::would_deadlock;
  out = txn_.get();
  return {};
}

std::error_code ProducerImpl::enqueue(const Record& r, DeliveryHandler& handler) {
  const std::size_t bound = protocol::records::BatchBuilder::record_size_upper_bound(
                                r.key ? r.key->size() : 0, r.value ? r.value->size() : 0, r.headers) +
                            protocol::records::BatchBuilder::overhead_bytes;
  // Read from the clock only if this send has to wait.
  const SendDeadline deadline = send_deadline();
  // One name lookup per send: the handle carries the rest (after the first send).
  TopicHandle* topic = topics_.find(r.topic);
  const std::atomic<std::int32_t>* known = topic != nullptr ? topic->count.load(std::memory_order_acquire) : nullptr;
  std::int32_t count = 0;
  if (known != nullptr && bound <= send_limit_ && !txn_ && !accumulator_.closed()) {
    // The common case, checked inline: a topic sent to before (so its name
    // is not empty) with a known partition count, no transaction.
    count = known->load(std::memory_order_acquire);
  } else {
    if (std::error_code ec = check_send(r.topic, bound, send_limit_, deadline, known, count)) return ec;
    if (known == nullptr) topic = &topic_handle(r.topic);
  }

  Partitioner::Choice choice;
  if (r.partition) {
    choice.partition = *r.partition;
  } else if (partitioner_.has_custom()) {
    choice = choose_custom(r, *topic, count);
  } else {
    choice = partitioner_.choose(r.topic, *topic->sticky, r.key, count);
  }
  if (choice.partition < 0 || choice.partition >= count) return errc::invalid_partition;

  const RecordParts parts{r.timestamp_ms ? *r.timestamp_ms : wall_clock_ms(), r.key, r.value, r.headers};
  const bool borrowed = r.ownership == ValueOwnership::borrow && r.value.has_value();
  std::optional<bool> block;  // unset: the producer's default
  if (r.when_full == QueueFullAction::block) block = true;
  if (r.when_full == QueueFullAction::fail_at_once) block = false;
  // On failure `handler` is left to the caller, who reports it.
  auto result = accumulator_.append(*topic->queues, choice.partition, parts, handler, r.user_id, borrowed,
                                    choice.sticky, deadline, block);
  if (result.error) return result.error;
  if (result.sticky_switch) partitioner_.move_on(choice, count);
  return {};
}

std::error_code ProducerImpl::flush(std::chrono::milliseconds timeout) {
  if (on_io_thread()) return errc::would_deadlock;
  return accumulator_.flush(Clock::now() + timeout) ? std::error_code() : make_error_code(errc::flush_timeout);
}

void ProducerImpl::start_flush(std::chrono::milliseconds timeout, std::function<void(std::error_code)> done) {
  // Completed once: by the flush, or at the deadline by a timer on the io
  // thread (which withdraws the flush first). The flush's own completion
  // leaves the timer alone (it may run while the io_context is torn down);
  // the timer then finds the wait finished.
  struct Wait {
    explicit Wait(asio::io_context& io) : timer(io) {}
    void finish(std::error_code ec) {
      if (finished.exchange(true, std::memory_order_acq_rel)) return;
      std::function<void(std::error_code)> d = std::move(done);
      d(ec);
    }
    std::atomic<bool> finished{false};
    std::function<void(std::error_code)> done;
    std::uint64_t id = 0;
    asio::steady_timer timer;
  };
  auto wait = std::make_shared<Wait>(io());
  wait->done = std::move(done);
  const Clock::time_point deadline = Clock::now() + timeout;
  wait->id = accumulator_.start_flush([wait] { wait->finish({}); });
  asio::post(io(), [this, wait, deadline] {
    if (wait->finished.load(std::memory_order_acquire)) return;
    wait->timer.expires_at(deadline);
    wait->timer.async_wait([this, wait](std::error_code ec) {
      if (ec) return;
      if (accumulator_.cancel_flush(wait->id)) wait->finish(errc::flush_timeout);
    });
  });
}

template <typename T>
std::optional<T> ProducerImpl::ask_io_thread(std::function<T()> f) {
  // Shared: if the io thread halts before running it, the handler stays
  // queued until the io_context is destroyed, after this call returned.
  struct Answer {
    std::optional<T> value;
  };
  auto answer = std::make_shared<Answer>();
  asio::post(io(), [this, answer, f = std::move(f)] {
    T value = f();
    {
      std::lock_guard lock(answers_mu_);
      answer->value = std::move(value);
    }
    answered_.notify_all();
  });
  std::unique_lock lock(answers_mu_);
  answered_.wait(lock, [&] { return answer->value.has_value() || io_halted_; });
  return std::move(answer->value);
}

std::size_t ProducerImpl::purge(bool queued, bool in_flight) {
  if (on_io_thread()) return sender_->purge(queued, in_flight);
  return ask_io_thread<std::size_t>([this, queued, in_flight] { return sender_->purge(queued, in_flight); })
      .value_or(0);
}

ProducerMetrics ProducerImpl::metrics() {
  ProducerMetrics m;
  m.records_delivered = dispatcher_.records_delivered();
  m.records_failed = dispatcher_.records_failed();
  if (accumulator_.record_bound().max() > 0) m.records_buffered = static_cast<std::int64_t>(accumulator_.record_bound().held());
  m.buffer_memory_total = accumulator_.pool().total();
  m.buffer_memory_used = m.buffer_memory_total - accumulator_.pool().available();
  stats_.fill(m);
  add_queued(m);
  if (backend_.pool) {
    const net::NetCountersSnapshot n = backend_.pool->counters()->snapshot();
    m.requests_sent = n.requests_sent;
    m.responses_received = n.responses_received;
    m.bytes_sent = n.bytes_sent;
    m.bytes_received = n.bytes_received;
    m.request_errors = n.request_errors;
    m.request_timeouts = n.request_timeouts;
    m.connects = n.connects;
    m.connect_failures = n.connect_failures;
    m.disconnects = n.disconnects;
    m.rtt_mean_us = static_cast<std::uint64_t>(n.rtt_mean().count());
    m.rtt_max_us = n.rtt_max_us;
  }
  auto read_sender = [this](ProducerMetrics& out) {
    const ProduceOutcomeCounters& c = sender_->counters();
    out.batches_acknowledged = c.acknowledged;
    out.batches_duplicate = c.duplicates;
    out.batches_retried = c.retries;
    out.batches_failed = c.failed;
    out.batches_expired = c.expired;
    out.batches_split = c.splits;
    out.batches_purged = c.purged;
    out.produce_requests = sender_->requests_sent();
    out.produce_requests_in_flight = sender_->in_flight_requests();
  };
  // The sender's state belongs to the io thread, or to anyone once it finished.
  if (on_io_thread() || sender_->finished()) {
    read_sender(m);
    return m;
  }
  // The io thread halted first: the sender's part stays zero.
  return ask_io_thread<ProducerMetrics>([m, read_sender]() mutable {
           read_sender(m);
           return m;
         })
      .value_or(m);
}

void ProducerImpl::add_queued(ProducerMetrics& m) {
  // m.partitions is sorted by (topic, partition), as the queues are not: look each up.
  auto less = [](const PartitionMetrics& p, const std::pair<std::string_view, std::int32_t>& key) {
    return std::pair<std::string_view, std::int32_t>(p.topic, p.partition) < key;
  };
  accumulator_.count_queued([&](std::string_view topic, std::int32_t partition, std::size_t records) {
    const std::pair<std::string_view, std::int32_t> key(topic, partition);
    auto it = std::lower_bound(m.partitions.begin(), m.partitions.end(), key, less);
    if (it == m.partitions.end() || it->topic != topic || it->partition != partition) {
      PartitionMetrics added;
      added.topic = std::string(topic);
      added.partition = partition;
      it = m.partitions.insert(it, std::move(added));
    }
    it->records_queued += records;
  });
}

std::error_code ProducerImpl::create_batch(BatchPtr& out) {
  if (accumulator_.closed()) return errc::producer_closed;
  const std::size_t size = static_cast<std::size_t>(std::max<std::int32_t>(config_.batch_size, 1));
  if (std::error_code ec = accumulator_.reserve_memory(size, block_deadline())) return ec;
  out = accumulator_.make_batch(std::string(), -1, accumulator_.take_buffer(size), size, size, false);
  return {};
}

std::error_code ProducerImpl::enqueue_batch(BatchPtr batch, std::int64_t first_timestamp_ms, std::string_view topic,
                                            std::int32_t partition, DeliveryHandler& handler) {
  if (!batch || batch->record_count() == 0) return errc::invalid_record;
  std::int32_t count = 0;
  if (std::error_code ec = check_send(topic, batch->size_bytes(), static_cast<std::size_t>(config_.max_request_size),
                                      send_deadline(), nullptr, count)) {
    return ec;
  }
  if (partition < 0 || partition >= count) return errc::invalid_partition;
  batch->assign(std::string(topic), partition);
  DeliveryEntry entry;
  entry.handler = std::move(handler);
  entry.timestamp_ms = first_timestamp_ms;
  entry.offset_delta = 0;
  batch->add_entry(std::move(entry));
  accumulator_.enqueue_batch(std::move(batch));
  return {};
}

}  // namespace kwire::detail
