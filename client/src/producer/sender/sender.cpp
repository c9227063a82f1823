// The sender coroutine: see sender.hpp. Runs on the producer's io_context.
#include "producer/sender/sender.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <limits>

#include "kwire/errors.hpp"
#include "kwire/protocol/errors.hpp"
#include "producer/produce_stats.hpp"
#include "producer/transactions/transaction_requests.hpp"

namespace kwire::detail {

SenderOptions SenderOptions::from(const ProducerConfig& config) {
  SenderOptions o;
  o.acks = config.acks;
  o.request_timeout = config.request_timeout;
  o.max_request_size = static_cast<std::size_t>(config.max_request_size);
  o.max_in_flight_per_connection = config.max_in_flight_requests_per_connection;
  o.idempotent = config.idempotence();
  o.retry.retries = config.retries;
  o.retry.backoff = config.retry_backoff;
  o.retry.backoff_max = config.retry_backoff_max;
  o.transactional_id = config.transactional_id;
  o.on_error = config.on_error;
  return o;
}

Sender::Sender(asio::any_io_executor executor, RecordAccumulator& accumulator, SenderTransport& transport,
               SenderOptions options)
    : executor_(executor),
      accumulator_(accumulator),
      transport_(transport),
      options_(std::move(options)),
      idempotence_(options_.idempotent, std::min(options_.max_in_flight_per_connection, 5),
                   options_.transactional_id ? EpochBumps::by_coordinator : EpochBumps::local),
      outcomes_(idempotence_, options_.retry),
      timer_(executor) {
  request_options_.acks = options_.acks;
  request_options_.timeout_ms = static_cast<std::int32_t>(
      std::min<std::int64_t>(options_.request_timeout.count(), std::numeric_limits<std::int32_t>::max()));
  request_options_.transactional_id = options_.transactional_id;
}

Sender::~Sender() { transport_.on_leaders_changed(nullptr); }

void Sender::start() {
  accumulator_.set_wakeup([this] { wake(); });
  // Batches waiting for a leader go as soon as a refresh names one.
  transport_.on_leaders_changed([this] { wake_on_io_thread(); });
  asio::co_spawn(executor_, run(), asio::detached);
}

void Sender::fail_queued(std::error_code error) {
  for (BatchPtr& batch : accumulator_.take_all()) {
    const WriteState state = idempotence_.on_abandoned(batch->topic(), batch->partition(), batch.get());
    batch->complete(-1, -1, error, outcome_of(state));
  }
}

std::size_t Sender::purge(bool queued, bool in_flight) {
  std::size_t records = 0;
  const auto take = [queued, in_flight](const ProducerBatch& b) { return b.was_written() ? in_flight : queued; };
  for (BatchPtr& batch : accumulator_.take_matching(take)) {
    records += static_cast<std::size_t>(batch->record_count());
    outcomes_.on_purged(*batch);
  }
  // A dropped batch with a sequence leaves a gap the idempotence state
  // closes by renumbering the partition; the next round does that.
  if (records > 0) wake_on_io_thread();
  return records;
}

void Sender::wake() {
  asio::post(executor_, [this] { wake_on_io_thread(); });
}

void Sender::wake_on_io_thread() {
  wake_requested_ = true;
  timer_.cancel();
}

void Sender::initiate_close(Clock::time_point deadline, std::error_code left_over) {
  asio::post(executor_, [this, deadline, left_over] {
    closing_ = true;
    close_deadline_ = deadline;
    close_error_ = left_over;
    wake_on_io_thread();
  });
}

bool Sender::wait_closed(Clock::time_point until) {
  std::unique_lock lock(finished_mu_);
  return finished_cv_.wait_until(lock, until, [this] { return finished(); });
}

std::size_t Sender::in_flight_total() const {
  std::size_t n = 0;
  for (const auto& [broker, count] : in_flight_) n += static_cast<std::size_t>(count);
  return n;
}

asio::awaitable<void> Sender::run() {
  for (;;) {
    const auto now = Clock::now();
    // Read before this round's ready(): an event after it keeps park() from
    // sleeping through it (record_accumulator.hpp, the wake-up hand-off).
    const std::uint64_t seen = accumulator_.events();
    if (closing_ && !forced_ && now >= close_deadline_) force_close();
    std::optional<Clock::time_point> next;
    if (!forced_) next = run_once(now);
    // Stop only when no coroutine of ours still runs (they use `this`).
    const bool idle = in_flight_total() == 0 && !init_running_;
    // Closing with nothing left to deliver: an InitProducerId still waiting
    // for an unreachable or refusing cluster serves no record, so it is
    // cancelled instead of holding close() until its deadline.
    if (closing_ && !forced_ && init_running_ && in_flight_total() == 0 && accumulator_.incomplete() == 0) {
      forced_ = true;
      transport_.cancel_all();
    }
    if (closing_ && idle && (forced_ || accumulator_.incomplete() == 0)) break;
    if (wake_requested_) {
      wake_requested_ = false;
      continue;
    }
    // Forced: only the requests' ends are awaited, and each one wakes us.
    if (closing_ && !forced_) next = next ? std::min(*next, close_deadline_) : close_deadline_;
    // Nothing due at a known time: sleep until an event (append, answer,
    // leader, producer id, transaction) wakes us.
    const Clock::time_point until = next ? *next : Clock::time_point::max();
    // Appenders wake us only while we are parked, at most once per park.
    if (!accumulator_.park(until, seen)) continue;
    timer_.expires_at(until);
    std::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    accumulator_.unpark();
    wake_requested_ = false;
  }
  {
    std::lock_guard lock(finished_mu_);
    finished_.store(true, std::memory_order_release);
  }
  finished_cv_.notify_all();
}

std::optional<Sender::Clock::time_point> Sender::run_once(Clock::time_point now) {
  std::optional<Clock::time_point> next;
  ++rounds_;
  auto earlier = [&next](Clock::time_point t) { next = next ? std::min(*next, t) : t; };
  if (txn_ != nullptr) pull_from_transaction();
  // Nothing can be sent without a producer id: fail what arrived (appends wake us).
  if (fatal_) {
    fail_queued(fatal_);
    return std::nullopt;
  }

  if (idempotence_.needs_producer_id() && !init_running_ && !options_.transactional_id) {
    if (now >= init_not_before_) {
      init_running_ = true;
      asio::co_spawn(executor_, init_producer_id(), asio::detached);
    } else {
      earlier(init_not_before_);
    }
  }
  idempotence_.apply_pending_resequencing();

  for (BatchPtr& batch : accumulator_.take_expired(now)) outcomes_.on_expired(*batch);

  const RecordAccumulator::LeaderLookup leader_of = [this](std::string_view topic, std::int32_t partition) {
    return transport_.leader_of(topic, partition);
  };
  RecordAccumulator::ReadyCheck ready = accumulator_.ready(leader_of, now);
  for (const std::string& topic : ready.unknown_leader_topics) transport_.request_metadata_refresh(topic);
  // A producer's first batch to a leader would otherwise open the connection
  // only once its linger is over: the set-up round trips (ApiVersions twice
  // on librdkafka's mock, TLS and SASL elsewhere) came on top of the linger.
  for (std::int32_t node : ready.lingering_nodes) transport_.prepare_connection(node);
  if (ready.next_check) earlier(*ready.next_check);

  std::vector<std::int32_t> nodes;
  for (std::int32_t node : ready.ready_nodes) {
    if (in_flight_[node] < options_.max_in_flight_per_connection) nodes.push_back(node);
  }
  if (!nodes.empty()) {
    const RecordAccumulator::BatchFilter can_send = [this, now](const ProducerBatch& batch) {
      // The transaction goes first: it also notices a fenced producer.
      return transaction_allows(batch) && batch.retry_not_before() <= now &&
             idempotence_.can_send(batch.topic(), batch.partition(), &batch);
    };
    // A new batch gets its producer state before it is sealed; a retried one
    // is sealed already and is stamped again only if it changed (send_drained).
    const RecordAccumulator::BatchStamp stamp = [this](ProducerBatch& batch) {
      if (!options_.idempotent || batch.is_closed()) return;
      const ProducerState state = idempotence_.peek_send(batch.topic(), batch.partition(), &batch);
      batch.set_producer_state(state.producer_id, state.epoch, state.base_sequence,
                               options_.transactional_id.has_value());
    };
    auto drained = accumulator_.drain(leader_of, nodes, options_.max_request_size, can_send, now, stamp);
    bool sent = false;
    for (auto& [broker, batches] : drained) {
      if (batches.empty()) continue;
      send_drained(broker, std::move(batches));
      sent = true;
    }
    // More may be sendable at once (a partition's next full batch, another
    // request on a connection below its limit): go round again.
    if (sent) wake_requested_ = true;
  }
  return next;
}

void Sender::pull_from_transaction() {
  if (const auto pe = txn_->take_producer_id()) idempotence_.set_producer_id_and_epoch(*pe);
  if (const auto error = txn_->take_queued_failure()) fail_queued(*error);
}

bool Sender::transaction_allows(const ProducerBatch& batch) {
  if (!options_.transactional_id) return true;
  return txn_ != nullptr && txn_->may_send(batch.topic(), batch.partition());
}

void Sender::send_drained(std::int32_t broker, std::vector<BatchPtr> batches) {
  for (BatchPtr& batch : batches) {
    const ProducerState state =
        idempotence_.on_send(batch->topic(), batch->partition(), batch.get(), batch->record_count());
    if (options_.idempotent &&
        (state.producer_id != batch->producer_id() || state.epoch != batch->producer_epoch() ||
         state.base_sequence != batch->base_sequence())) {
      batch->set_producer_state(state.producer_id, state.epoch, state.base_sequence,
                                options_.transactional_id.has_value());
    }
  }
  int& count = in_flight_[broker];
  ++count;
  max_in_flight_seen_ = std::max(max_in_flight_seen_, count);
  ++requests_sent_;
  asio::co_spawn(executor_, send_request(broker, std::move(batches)), asio::detached);
}

asio::awaitable<void> Sender::send_request(std::int32_t broker, std::vector<BatchPtr> batches) {
  std::vector<ProducerBatch*> raw;
  raw.reserve(batches.size());
  for (const BatchPtr& b : batches) raw.push_back(b.get());
  // The request views the batches' bytes; `batches` owns them until the end.
  const auto request = build_produce_request(raw, request_options_);
  if (stats_ != nullptr) count_request(broker, raw);
  const auto sent_at = Clock::now();

  bool written = false;
  if (options_.acks == 0) {
    const std::error_code ec = co_await transport_.produce_without_ack(broker, request, written);
    const auto now = Clock::now();
    if (stats_ != nullptr) count_answer(broker, raw, ec, now - sent_at, 0);
    if (written)
      for (BatchPtr& batch : batches) batch->note_written();
    for (BatchPtr& batch : batches) {
      if (forced_) {
        outcomes_.on_abandoned(*batch, close_error_, written);
      } else if (ec) {
        const Verdict verdict = outcomes_.on_request_failed(*batch, ec, written, now);
        follow(std::move(batch), verdict);
      } else {
        outcomes_.on_written_without_ack(*batch);
      }
    }
  } else {
    auto result = co_await transport_.produce(broker, request, written);
    const auto now = Clock::now();
    if (stats_ != nullptr) count_answer(broker, raw, result.error, now - sent_at, result.response.body.throttle_time_ms);
    if (written)
      for (BatchPtr& batch : batches) batch->note_written();
    for (BatchPtr& batch : batches) {
      const auto* partition =
          result.error ? nullptr : BatchOutcomes::find(result.response.body, batch->topic(), batch->partition());
      if (forced_) {
        // Closing for good: no retries any more. A batch the broker did
        // acknowledge is still reported as written.
        if (partition != nullptr && classify_produce_error(partition->error_code).success) {
          outcomes_.on_partition_response(*batch, partition, now);
        } else {
          // No answer: this attempt may be in the log. An error answer
          // settles it, as not written unless the error may follow an append.
          const bool maybe_appended =
              written && (partition == nullptr || may_follow_append(partition->error_code));
          outcomes_.on_abandoned(*batch, close_error_, maybe_appended);
        }
      } else if (result.error) {
        const Verdict verdict = outcomes_.on_request_failed(*batch, result.error, written, now);
        follow(std::move(batch), verdict);
      } else {
        on_answer(std::move(batch), partition, now);
      }
    }
  }
  --in_flight_[broker];
  wake_on_io_thread();
}

void Sender::count_request(std::int32_t broker, const std::vector<ProducerBatch*>& batches) {
  std::size_t bytes = 0;
  std::size_t uncompressed = 0;
  for (const ProducerBatch* b : batches) {
    bytes += b->size_bytes();
    uncompressed += b->uncompressed_bytes();
    stats_->on_batch_sent(b->topic(), b->partition(), b->record_count());
  }
  stats_->on_request(broker, bytes, uncompressed);
}

void Sender::count_answer(std::int32_t broker, const std::vector<ProducerBatch*>& batches, std::error_code error,
                          Clock::duration rtt, std::int32_t throttle_ms) {
  if (error) {
    stats_->on_request_failed(broker);
  } else {
    stats_->on_response(broker, rtt, throttle_ms);
  }
  for (const ProducerBatch* b : batches) stats_->on_batch_returned(b->topic(), b->partition(), b->record_count());
}

void Sender::on_answer(BatchPtr batch, const BatchOutcomes::PartitionResponse* partition, Clock::time_point now) {
  Verdict verdict = outcomes_.on_partition_response(*batch, partition, now);
  if (verdict.next == NextStep::split) {
    // As the Java client does: halves of the refused batch go back in its place.
    std::vector<BatchPtr> parts = accumulator_.split_batch(*batch);
    verdict = outcomes_.on_split(*batch, parts, *partition, now);
    if (!parts.empty()) accumulator_.reenqueue_split(std::move(parts));
  }
  follow(std::move(batch), verdict);
}

void Sender::follow(BatchPtr batch, Verdict verdict) {
  if (verdict.refresh_metadata) transport_.request_metadata_refresh(batch->topic());
  if (verdict.next == NextStep::retry) accumulator_.reenqueue(std::move(batch));
}

asio::awaitable<void> Sender::init_producer_id() {
  // The idempotent producer's own id: no transactional id (a transactional
  // producer gets its id from the coordinator, never from here).
  protocol::messages::InitProducerIdRequest request;
  request.transactional_id = std::nullopt;
  request.transaction_timeout_ms = std::numeric_limits<std::int32_t>::max();
  auto result = co_await transport_.init_producer_id(request);
  const auto& body = result.response.body;
  // An answer without an error but without a usable id (-1, a negative
  // epoch) is not adopted: batches stamped with it would be refused or,
  // worse, taken as non-idempotent. Asked again after the backoff.
  // A lost connection or a retriable Kafka error (coordinator loading,
  // CONCURRENT_TRANSACTIONS as the Java client treats it) is asked again;
  // any other Kafka error (not authorized, unsupported) never goes away.
  const std::error_code refused = result.error ? std::error_code() : protocol::kafka_error(body.error_code);
  if (!result.error && body.error_code == 0 && body.producer_id >= 0 && body.producer_epoch >= 0) {
    idempotence_.set_producer_id_and_epoch({body.producer_id, body.producer_epoch});
  } else if (refused && !protocol::is_retriable(refused) &&
             refused != protocol::kafka_errc::concurrent_transactions) {
    fail_fatally(refused);
  } else {
    init_not_before_ = Clock::now() + options_.retry.backoff;
  }
  init_running_ = false;
  wake_on_io_thread();
}

void Sender::fail_fatally(std::error_code error) {
  if (fatal_) return;
  fatal_ = error;
  if (options_.on_error) {
    options_.on_error(ClientError{error, true,
                                  "idempotent producer failed fatally: InitProducerId refused: " + error.message() +
                                      "; every record fails with this error; only close() is left"});
  }
  fail_queued(error);
}

void Sender::force_close() {
  forced_ = true;
  // Queued batches, some of them waiting for a retry: each reports what is
  // known of its write (a retry may be in the log).
  for (BatchPtr& batch : accumulator_.take_all()) outcomes_.on_abandoned(*batch, close_error_);
  transport_.cancel_all();
}

}  // namespace kwire::detail
