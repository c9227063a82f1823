// The public Producer and Batch: thin forwarding to ProducerImpl, plus the
// blocking conveniences (send_and_wait) built on the callback form.
#include "kwire/producer.hpp"

#include <asio/post.hpp>

#include <numeric>
#include <utility>

#include "producer/producer_impl.hpp"

namespace kwire {

Producer::Producer(ProducerConfig config)
    : impl_(std::make_unique<detail::ProducerImpl>(std::move(config), detail::make_network_backend)) {}

Producer::Producer(const Properties& properties) : Producer(ProducerConfig::from_properties(properties)) {}

Producer::Producer(std::initializer_list<Properties::value_type> properties) : Producer(Properties(properties)) {}

Producer::Producer(std::unique_ptr<detail::ProducerImpl> impl) noexcept : impl_(std::move(impl)) {}

// From a report on the io thread, the insides are closed and destroyed off
// that thread (net::destroy_outside), once the report returned.
Producer::~Producer() { net::destroy_outside(impl_); }

Producer& Producer::operator=(Producer&& other) noexcept {
  if (this == &other) return *this;
  // As a unique_ptr's assignment: the new insides are in place while the old close.
  std::unique_ptr<detail::ProducerImpl> old = std::exchange(impl_, std::move(other.impl_));
  net::destroy_outside(old);
  return *this;
}

const ProducerConfig& Producer::config() const noexcept { return impl_->config(); }
ProducerMetrics Producer::metrics() { return impl_->metrics(); }

void Producer::fail_now(DeliveryHandler&& handler, std::error_code ec, const Record& r) {
  RecordMetadata md;
  md.topic = std::string(r.topic);
  md.partition = r.partition.value_or(-1);
  md.timestamp_ms = r.timestamp_ms.value_or(-1);
  md.user_id = r.user_id;
  if (r.ownership == ValueOwnership::borrow) md.borrowed_value = r.value;
  handler(ec, std::move(md));
}

std::error_code Producer::enqueue(const Record& record, DeliveryHandler& handler) {
  return impl_->enqueue(record, handler);
}

std::error_code Producer::send(const Record& record, DeliveryHandler callback) {
  return impl_->enqueue(record, callback);
}

std::error_code Producer::send_and_wait(const Record& record, RecordMetadata& out) {
  if (impl_->on_io_thread()) return errc::would_deadlock;
  std::promise<std::pair<std::error_code, RecordMetadata>> done;
  auto result = done.get_future();
  detail::DeliveryDispatcher& reports = impl_->dispatcher();
  DeliveryHandler handler([&done, &reports](std::error_code e, RecordMetadata md) {
    done.set_value({e, std::move(md)});
    // Manual-poll mode: another thread's poll_events() may have run it.
    if (reports.manual_poll()) reports.wake_pollers();
  });
  std::error_code ec = impl_->enqueue(record, handler);
  if (ec) return ec;
  if (reports.manual_poll()) {
    // This thread runs the reports itself until its own has fired.
    reports.poll_until([&result] { return result.wait_for(std::chrono::seconds(0)) == std::future_status::ready; });
  }
  result.wait();
  auto [e, md] = result.get();
  out = std::move(md);
  return e;
}

RecordMetadata Producer::send_and_wait(const Record& record) {
  RecordMetadata md;
  if (std::error_code ec = send_and_wait(record, md)) throw std::system_error(ec);
  return md;
}

std::error_code Producer::flush(std::chrono::milliseconds timeout) { return impl_->flush(timeout); }

std::error_code Producer::partitions_for(std::string_view topic, std::chrono::milliseconds timeout,
                                         std::vector<std::int32_t>& partitions) {
  partitions.clear();
  if (topic.empty()) return errc::invalid_topic;
  std::int32_t count = 0;
  if (std::error_code ec = impl_->partition_count(topic, std::chrono::steady_clock::now() + timeout, count)) return ec;
  partitions.resize(static_cast<std::size_t>(count));
  std::iota(partitions.begin(), partitions.end(), 0);
  return {};
}

std::error_code Producer::partitions_for(std::string_view topic, std::chrono::milliseconds timeout,
                                         std::vector<PartitionInfo>& partitions) {
  partitions.clear();
  if (topic.empty()) return errc::invalid_topic;
  return impl_->partitions(topic, std::chrono::steady_clock::now() + timeout, partitions);
}

void Producer::start_flush(std::chrono::milliseconds timeout, CallDone done) {
  impl_->start_flush(timeout, std::move(done));
}

void Producer::close(std::chrono::milliseconds timeout) { impl_->close(timeout); }

std::size_t Producer::purge(PurgeScope scope) { return impl_->purge(scope.queued, scope.in_flight); }

std::size_t Producer::poll_events(std::chrono::milliseconds timeout) { return impl_->poll(timeout); }

Batch Producer::create_batch() {
  std::unique_ptr<detail::ProducerBatch> batch;
  if (std::error_code ec = impl_->create_batch(batch)) throw std::system_error(ec);
  return Batch(std::move(batch));
}

std::error_code Producer::enqueue_batch(Batch&& batch, std::string_view topic, std::int32_t partition,
                                        DeliveryHandler& handler) {
  if (!batch.batch_) return errc::invalid_record;
  batch.closed_ = true;
  std::int64_t first_ts = batch.first_timestamp_ms_;
  // On failure the batch is dropped here; it carries no report of its own.
  return impl_->enqueue_batch(std::move(batch.batch_), first_ts, topic, partition, handler);
}

// ---- Batch ----

Batch::Batch(std::unique_ptr<detail::ProducerBatch> batch) noexcept : batch_(std::move(batch)) {}
Batch::Batch(Batch&&) noexcept = default;
Batch& Batch::operator=(Batch&&) noexcept = default;
Batch::~Batch() = default;

std::optional<Batch::Appended> Batch::append(std::optional<Bytes> key, std::optional<Bytes> value,
                                             std::optional<std::int64_t> timestamp_ms,
                                             std::span<const Header> headers) {
  if (!batch_ || closed_) return std::nullopt;
  // The batch's memory was reserved at create_batch(); a record that alone
  // exceeds it cannot go into a user batch.
  std::size_t bound = protocol::records::BatchBuilder::record_size_upper_bound(key ? key->size() : 0,
                                                                              value ? value->size() : 0, headers);
  if (batch_->size_bytes() + bound > batch_->reserved_bytes()) return std::nullopt;
  std::int64_t ts = timestamp_ms.value_or(detail::wall_clock_ms());
  std::int32_t index = batch_->record_count();
  if (!batch_->try_append_unreported(ts, key, value, headers)) return std::nullopt;
  if (index == 0) first_timestamp_ms_ = ts;
  return Appended{index, ts, batch_->size_bytes()};
}

void Batch::close() noexcept { closed_ = true; }

std::int32_t Batch::record_count() const noexcept { return batch_ ? batch_->record_count() : 0; }

std::size_t Batch::size_bytes() const noexcept { return batch_ ? batch_->size_bytes() : 0; }

// ---- Transactions ----

namespace {
// How long past its timeout a blocking call waits for the io thread's answer
// (the call itself stops at its deadline).
constexpr std::chrono::seconds kAnswerSlack{2};
}  // namespace

void Producer::start_transaction_call(TransactionCall call, std::chrono::milliseconds timeout, CallDone done) {
  detail::TransactionCalls* t = nullptr;
  if (std::error_code ec = impl_->transaction_calls(false, t)) return done(ec);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  switch (call) {
    case TransactionCall::init: return t->init(deadline, std::move(done));
    case TransactionCall::commit: return t->commit(deadline, std::move(done));
    case TransactionCall::abort: return t->abort(deadline, std::move(done));
  }
}

void Producer::start_send_offsets(std::vector<TopicPartitionOffset> offsets, ConsumerGroupMetadata group,
                                  std::chrono::milliseconds timeout, CallDone done) {
  detail::TransactionCalls* t = nullptr;
  if (std::error_code ec = impl_->transaction_calls(false, t)) return done(ec);
  t->send_offsets(std::move(offsets), std::move(group), std::chrono::steady_clock::now() + timeout, std::move(done));
}

std::error_code Producer::wait_for_call(std::chrono::milliseconds timeout, const std::function<void(CallDone)>& start) {
  detail::TransactionCalls* t = nullptr;
  if (std::error_code ec = impl_->transaction_calls(true, t)) return ec;
  auto answer = std::make_shared<std::promise<std::error_code>>();
  auto result = answer->get_future();
  start([answer](std::error_code ec) { answer->set_value(ec); });
  if (result.wait_for(timeout + kAnswerSlack) != std::future_status::ready) return errc::transaction_timeout;
  return result.get();
}

std::error_code Producer::init_transactions(std::chrono::milliseconds timeout) {
  return wait_for_call(timeout, [&](CallDone d) {
    start_transaction_call(TransactionCall::init, timeout, std::move(d));
  });
}

std::error_code Producer::begin_transaction() {
  detail::TransactionCalls* t = nullptr;
  if (std::error_code ec = impl_->transaction_calls(false, t)) return ec;
  return t->begin();
}

std::error_code Producer::send_offsets_to_transaction(const std::vector<TopicPartitionOffset>& offsets,
                                                      const ConsumerGroupMetadata& group,
                                                      std::chrono::milliseconds timeout) {
  return wait_for_call(timeout, [&](CallDone d) { start_send_offsets(offsets, group, timeout, std::move(d)); });
}

std::error_code Producer::send_offsets_to_transaction(const std::vector<TopicPartitionOffset>& offsets,
                                                      std::string_view group_id, std::chrono::milliseconds timeout) {
  ConsumerGroupMetadata group;
  group.group_id = std::string(group_id);
  return send_offsets_to_transaction(offsets, group, timeout);
}

std::error_code Producer::commit_transaction(std::chrono::milliseconds timeout) {
  return wait_for_call(timeout, [&](CallDone d) {
    start_transaction_call(TransactionCall::commit, timeout, std::move(d));
  });
}

std::error_code Producer::abort_transaction(std::chrono::milliseconds timeout) {
  return wait_for_call(timeout, [&](CallDone d) {
    start_transaction_call(TransactionCall::abort, timeout, std::move(d));
  });
}

namespace detail {

Producer ProducerTestAccess::make(ProducerConfig config, const BackendFactory& factory) {
  return Producer(std::make_unique<ProducerImpl>(std::move(config), factory));
}

ProducerImpl& ProducerTestAccess::impl(Producer& p) { return *p.impl_; }

}  // namespace detail
}  // namespace kwire
