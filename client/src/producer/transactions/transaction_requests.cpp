// The transactional producer's coordinator requests and what the sender
// pulls from it: see transaction_requests.hpp. io_context thread only.
#include "producer/transactions/transaction_requests.hpp"

// GCC 12 misreads Asio's coroutine-frame operator new/delete pair as
// mismatched once a coroutine is inlined here (as in tools/); the pair matches.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>

#include <map>

#include "kwire/protocol/messages/add_offsets_to_txn_request.hpp"
#include "kwire/protocol/messages/add_offsets_to_txn_response.hpp"
#include "kwire/protocol/messages/add_partitions_to_txn_request.hpp"
#include "kwire/protocol/messages/add_partitions_to_txn_response.hpp"
#include "kwire/protocol/messages/end_txn_request.hpp"
#include "kwire/protocol/messages/end_txn_response.hpp"
#include "kwire/protocol/messages/init_producer_id_request.hpp"
#include "kwire/protocol/messages/init_producer_id_response.hpp"
#include "kwire/protocol/messages/txn_offset_commit_request.hpp"
#include "kwire/protocol/messages/txn_offset_commit_response.hpp"

namespace kwire::detail {

namespace msg = protocol::messages;
using protocol::kafka_errc;

bool is_fatal_transaction_error(std::error_code ec) noexcept {
  if (ec.category() != protocol::kafka_category()) return false;
  switch (static_cast<kafka_errc>(ec.value())) {
    case kafka_errc::producer_fenced:
    case kafka_errc::invalid_producer_epoch:
    case kafka_errc::transactional_id_authorization_failed:
    case kafka_errc::cluster_authorization_failed:
    case kafka_errc::invalid_producer_id_mapping:
    case kafka_errc::invalid_txn_state:
    case kafka_errc::invalid_transaction_timeout:
    case kafka_errc::unsupported_version:
    case kafka_errc::unsupported_for_message_format:
      return true;
    default:
      return false;
  }
}

namespace {

// The first partition error that says something (OPERATION_NOT_ATTEMPTED only
// means another partition failed), preferring a retriable one so the whole
// request is sent again.
template <typename Results, typename ErrorOf>
std::int16_t first_partition_error(const Results& topics, ErrorOf error_of) {
  std::int16_t found = 0;
  for (const auto& t : topics) {
    for (const auto& p : error_of(t)) {
      const std::int16_t code = p.first;
      if (code == 0 || code == static_cast<std::int16_t>(kafka_errc::operation_not_attempted)) continue;
      std::error_code ec = protocol::kafka_error(code);
      if (is_coordinator_retriable(ec) || is_coordinator_moved(ec)) return code;
      if (found == 0) found = code;
    }
  }
  return found;
}

}  // namespace

TransactionRequests::TransactionRequests(asio::any_io_executor executor, std::shared_ptr<net::ConnectionPool> pool,
                                         RecordAccumulator& accumulator, const IdempotenceState& idempotence,
                                         const ProduceOutcomeCounters& counters, TransactionalState& state,
                                         TransactionSettings settings)
    : executor_(std::move(executor)),
      client_(std::move(pool), settings.retry_backoff),
      accumulator_(accumulator),
      idempotence_(idempotence),
      counters_(counters),
      state_(state),
      settings_(std::move(settings)),
      adding_done_(executor_) {}

void TransactionRequests::become_fatal(std::error_code ec) {
  state_.set_fatal(ec);
  fail_queued_with(ec);
  if (on_failure_) on_failure_();
}

void TransactionRequests::fail_queued_with(std::error_code ec) {
  // A fatal error is what every record hears, also during an abort.
  if (!queued_failure_ || queued_failure_ == errc::transaction_aborted) queued_failure_ = ec;
  accumulator_.wake_sender();
}

std::optional<std::error_code> TransactionRequests::take_queued_failure() {
  if (!queued_failure_) return std::nullopt;
  const std::error_code ec = std::exchange(queued_failure_, std::error_code());
  if (ec == errc::transaction_aborted && state_.state() != TxnState::aborting) return std::nullopt;
  return ec;
}

void TransactionRequests::become_abortable(std::error_code ec) {
  state_.set_abortable(ec);
  if (on_failure_) on_failure_();
}

std::error_code TransactionRequests::on_error(std::error_code ec) {
  if (!ec || ec == errc::transaction_timeout) return ec;
  if (is_fatal_transaction_error(ec)) become_fatal(ec);
  else become_abortable(ec);
  return ec;
}

bool TransactionRequests::produce_failed() const {
  return counters_.failed + counters_.expired != failures_at_start_;
}

void TransactionRequests::reset_transaction() {
  added_.clear();
  pending_.clear();
  offsets_added_ = false;
  failures_at_start_ = counters_.failed + counters_.expired;
}

bool TransactionRequests::may_send(std::string_view topic, std::int32_t partition) {
  if (!state_.sending_allowed()) {
    // The sender fails them at its next round, not inside its drain.
    if (state_.state() == TxnState::aborting) fail_queued();
    return false;
  }
  // A Produce answered INVALID_PRODUCER_EPOCH dropped the producer id: a newer
  // producer with our transactional id fenced us.
  if (has_producer_id_ && idempotence_.needs_producer_id()) {
    become_fatal(make_error_code(kafka_errc::invalid_producer_epoch));
    return false;
  }
  if (produce_failed()) {
    become_abortable(errc::transaction_abortable);
    return false;
  }
  const std::pair<std::string_view, std::int32_t> key(topic, partition);
  if (added_.find(key) != added_.end()) return true;
  if (pending_.find(key) == pending_.end()) pending_.emplace(std::string(topic), partition);
  if (!adding_) {
    adding_ = true;
    asio::co_spawn(executor_, add_pending_partitions(), asio::detached);
  }
  return false;
}

asio::awaitable<void> TransactionRequests::add_pending_partitions() {
  while (!pending_.empty() && state_.sending_allowed()) {
    std::set<TopicPartitionKey, TopicPartitionLess> batch = std::move(pending_);
    pending_.clear();
    const ProducerIdAndEpoch pe = pe_;
    msg::AddPartitionsToTxnRequest request;
    request.v3_and_below_transactional_id = settings_.transactional_id;
    request.v3_and_below_producer_id = pe.producer_id;
    request.v3_and_below_producer_epoch = pe.epoch;
    std::map<std::string_view, std::vector<std::int32_t>> by_topic;
    for (const auto& [topic, partition] : batch) by_topic[topic].push_back(partition);
    for (auto& [topic, partitions] : by_topic) {
      msg::AddPartitionsToTxnRequest::AddPartitionsToTxnTopic t;
      t.name = std::string(topic);
      t.partitions = std::move(partitions);
      request.v3_and_below_topics.push_back(std::move(t));
    }
    const auto error_of = [](const msg::AddPartitionsToTxnResponse& r) {
      return first_partition_error(r.results_by_topic_v3_and_below, [](const auto& t) {
        std::vector<std::pair<std::int16_t, std::int32_t>> codes;
        for (const auto& p : t.results_by_partition) codes.emplace_back(p.partition_error_code, p.partition_index);
        return codes;
      });
    };
    // v4+ is for brokers only (KIP-890); clients send v3 at most.
    auto result = co_await client_.call<msg::AddPartitionsToTxnResponse>(
        CoordinatorType::transaction, settings_.transactional_id, request, capped(3), error_of,
        Clock::now() + settings_.transaction_timeout);
    if (result.error) {
      on_error(result.error);
      break;
    }
    for (auto& key : batch) added_.insert(key);
    accumulator_.wake_sender();
  }
  adding_ = false;
  adding_done_.cancel();
}

asio::awaitable<std::error_code> TransactionRequests::init_producer_id(Clock::time_point deadline,
                                                                       ProducerIdAndEpoch current) {
  msg::InitProducerIdRequest request;
  request.transactional_id = settings_.transactional_id;
  request.transaction_timeout_ms = static_cast<std::int32_t>(settings_.transaction_timeout.count());
  request.producer_id = current.producer_id;
  request.producer_epoch = current.epoch;
  auto result = co_await client_.call<msg::InitProducerIdResponse>(
      CoordinatorType::transaction, settings_.transactional_id, request, net::SendOptions{},
      [](const msg::InitProducerIdResponse& r) { return r.error_code; }, deadline);
  if (!result.error && !assignable({result.body.producer_id, result.body.producer_epoch}))
    result.error = make_error_code(net::net_errc::malformed_frame);
  if (result.error) {
    if (result.error != errc::transaction_timeout) become_fatal(result.error);
    co_return result.error;
  }
  pe_ = {result.body.producer_id, result.body.producer_epoch};
  // The sender adopts it at the start of its next round, before it drains.
  new_producer_id_ = pe_;
  accumulator_.wake_sender();
  has_producer_id_ = true;
  reset_transaction();
  state_.init_done();
  co_return std::error_code();
}

asio::awaitable<std::error_code> TransactionRequests::send_offsets(std::vector<TopicPartitionOffset> offsets,
                                                                   ConsumerGroupMetadata group,
                                                                   Clock::time_point deadline) {
  const ProducerIdAndEpoch pe = pe_;
  if (!offsets_added_) {
    msg::AddOffsetsToTxnRequest add;
    add.transactional_id = settings_.transactional_id;
    add.producer_id = pe.producer_id;
    add.producer_epoch = pe.epoch;
    add.group_id = group.group_id;
    auto added = co_await client_.call<msg::AddOffsetsToTxnResponse>(
        CoordinatorType::transaction, settings_.transactional_id, add, net::SendOptions{},
        [](const msg::AddOffsetsToTxnResponse& r) { return r.error_code; }, deadline);
    if (added.error) co_return on_error(added.error);
    offsets_added_ = true;
  }
  msg::TxnOffsetCommitRequest commit;
  commit.transactional_id = settings_.transactional_id;
  commit.group_id = group.group_id;
  commit.producer_id = pe.producer_id;
  commit.producer_epoch = pe.epoch;
  commit.generation_id = group.generation_id;
  commit.member_id = group.member_id;
  commit.group_instance_id = group.group_instance_id;
  std::map<std::string_view, std::size_t> topic_index;
  for (const TopicPartitionOffset& o : offsets) {
    auto [it, inserted] = topic_index.try_emplace(o.topic, commit.topics.size());
    if (inserted) {
      commit.topics.emplace_back();
      commit.topics.back().name = o.topic;
    }
    msg::TxnOffsetCommitRequest::TxnOffsetCommitRequestTopic::TxnOffsetCommitRequestPartition p;
    p.partition_index = o.partition;
    p.committed_offset = o.offset;
    p.committed_leader_epoch = o.leader_epoch;
    p.committed_metadata = o.metadata.value_or(std::string());
    commit.topics[it->second].partitions.push_back(std::move(p));
  }
  const auto error_of = [](const msg::TxnOffsetCommitResponse& r) {
    return first_partition_error(r.topics, [](const auto& t) {
      std::vector<std::pair<std::int16_t, std::int32_t>> codes;
      for (const auto& p : t.partitions) codes.emplace_back(p.error_code, p.partition_index);
      return codes;
    });
  };
  auto committed = co_await client_.call<msg::TxnOffsetCommitResponse>(CoordinatorType::group, group.group_id, commit,
                                                                       net::SendOptions{}, error_of, deadline);
  co_return on_error(committed.error);
}

asio::awaitable<std::error_code> TransactionRequests::end_transaction(bool commit, Clock::time_point deadline) {
  if (commit && produce_failed()) {
    become_abortable(errc::transaction_abortable);
    co_return make_error_code(errc::transaction_abortable);
  }
  if (commit && state_.state() != TxnState::committing) co_return state_.check_send();
  if (state_.fatal()) co_return state_.last_error();
  // An AddPartitionsToTxn still under way (an abort right after a send) must
  // finish first, or EndTxn would leave its partitions open at the coordinator.
  while (adding_) {
    if (Clock::now() >= deadline) co_return make_error_code(errc::transaction_timeout);
    adding_done_.expires_at(deadline);
    std::error_code ignored;
    co_await adding_done_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  // Nothing reached the coordinator: there is no transaction to end there.
  if (added_.empty() && !offsets_added_) co_return co_await finish_transaction(commit, deadline);
  const ProducerIdAndEpoch pe = pe_;
  msg::EndTxnRequest request;
  request.transactional_id = settings_.transactional_id;
  request.producer_id = pe.producer_id;
  request.producer_epoch = pe.epoch;
  request.committed = commit;
  // v5 is transactions v2 (KIP-890 part 2): the coordinator moves the epoch
  // at every transaction end, and the partitions join through Produce v12.
  // kwire implements transactions v1, whose EndTxn leaves the epoch alone.
  auto result = co_await client_.call<msg::EndTxnResponse>(
      CoordinatorType::transaction, settings_.transactional_id, request, capped(4),
      [](const msg::EndTxnResponse& r) { return r.error_code; }, deadline);
  if (result.error) {
    // TRANSACTION_ABORTABLE (KIP-890): the coordinator could not complete
    // the commit; the transaction can still be aborted.
    if (result.error == kafka_errc::transaction_abortable) become_abortable(result.error);
    else if (result.error != errc::transaction_timeout) become_fatal(result.error);
    co_return result.error;
  }
  co_return co_await finish_transaction(commit, deadline);
}

asio::awaitable<std::error_code> TransactionRequests::finish_transaction(bool commit, Clock::time_point deadline) {
  // A record that failed after it was sent left a gap in its partition's
  // sequence numbers (the sender never bumps the epoch of a transactional
  // producer itself): after the abort, the coordinator moves this producer
  // to its next epoch, as the Java client does since KIP-360.
  if (!commit && (produce_failed() || idempotence_.needs_epoch_bump())) {
    std::error_code ec = co_await init_producer_id(deadline, pe_);
    if (ec) co_return ec;
  }
  reset_transaction();
  state_.completed();
  co_return std::error_code();
}

}  // namespace kwire::detail
