// An in-process broker for sender tests and the sender fuzz target, behind
// the SenderTransport interface: per-partition logs decoded with the records
// layer's reader, Kafka's idempotence checks as ../shared/KAFKA-PRODUCER-STATE.md
// states them (per partition and producer id: epoch fencing, sequence gaps,
// duplicates of the last five batches answered with their first offsets, any
// sequence accepted from a producer the partition holds no state for), and
// scripted faults: partition errors (nothing written, or written and then
// answered with the error), lost responses (written, then the request times
// out), lost connections (not written), leader moves and partitions without
// a leader, lost producer state, InitProducerId errors. Requests a real
// broker would reject as malformed are listed in `violations`. No test
// framework inside. Everything runs on the test's io_context thread.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kwire/net/errors.hpp"
#include "kwire/protocol/records/batch_reader.hpp"
#include "producer/sender/sender_transport.hpp"

namespace kwire::test {

struct StoredRecord {
  std::int64_t offset = 0;
  std::int64_t timestamp = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
};

class FakeBroker final : public detail::SenderTransport {
 public:
  using PartitionKey = std::pair<std::string, std::int32_t>;
  enum class RequestFault { none, lose_response_after_write, lose_connection };
  // A scripted partition error: instead of the append (nothing written), or
  // after it (the batch goes through the checks and, if they take it, is in
  // the log; the answer is the error, as REQUEST_TIMED_OUT or
  // NOT_ENOUGH_REPLICAS_AFTER_APPEND can come after an append).
  enum class ErrorTiming { instead_of_append, after_append };

  explicit FakeBroker(asio::any_io_executor executor) : executor_(executor) {}

  // ---- set-up and faults (io thread, or before the sender starts) ----
  // As a metadata refresh would, tells the sender (if started) leaders changed.
  void set_leader(const std::string& topic, std::int32_t partition, std::int32_t broker) {
    leaders_[{topic, partition}] = broker;
    if (leaders_changed_) leaders_changed_();
  }
  // As a refresh that finds no leader would, tells the sender (if started).
  void remove_leader(const std::string& topic, std::int32_t partition) {
    leaders_.erase({topic, partition});
    if (leaders_changed_) leaders_changed_();
  }
  // The next produce attempts of this partition answer these codes, unwritten
  // unless `timing` says after_append. So that the broker stays one a client
  // can be correct against, a code only the size or producer-state checks
  // give (MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE,
  // OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH,
  // UNKNOWN_PRODUCER_ID) waits while the attempts are retries of one of the
  // partition's last five batches (answered as duplicates: a written batch
  // does not grow, and Kafka recognises a duplicate before it judges epoch
  // and sequence), and a producer-state verdict also waits while the
  // partition holds no state for the batch's producer (which would take the
  // next batch as its first, whatever its sequence).
  void push_partition_errors(const std::string& topic, std::int32_t partition, std::vector<std::int16_t> codes,
                             ErrorTiming timing = ErrorTiming::instead_of_append) {
    for (auto c : codes) partition_errors_[{topic, partition}].push_back({c, timing});
  }
  // The next `count` duplicates recognised on this partition are answered
  // DUPLICATE_SEQUENCE_NUMBER without an offset, as older brokers did,
  // instead of success with the first write's offset.
  void answer_duplicates_with_error(const std::string& topic, std::int32_t partition, int count) {
    duplicate_errors_[{topic, partition}] += count;
  }
  // The next InitProducerId requests answer these codes without an id.
  void push_init_producer_id_errors(std::vector<std::int16_t> codes) {
    for (auto c : codes) init_errors_.push_back(c);
  }
  // The next requests (to any broker) fail at the transport.
  void push_request_faults(std::vector<RequestFault> faults) {
    for (auto f : faults) request_faults_.push_back(f);
  }
  // Forget every producer's state (as after a broker lost it).
  void forget_producers() { producers_.clear(); }
  // Forget the partition's state of producers whose every write was answered
  // as written: a producer's state expires only after
  // producer.id.expiration.ms without a write (a day by default), long after
  // its client gave up whatever it could still retry (the caller also makes
  // sure the client has nothing unacknowledged there). A write whose answer
  // was lost or was an error keeps its producer's state, or no client could
  // tell its retry from a new batch.
  void expire_idle_producers(const std::string& topic, std::int32_t partition) {
    std::erase_if(producers_, [&](const auto& entry) {
      return entry.first.first == PartitionKey{topic, partition} && entry.second.unconfirmed.empty();
    });
  }
  // A batch that does not start at sequence 0 from a producer the partition
  // holds no state for is accepted (KAFKA-PRODUCER-STATE.md, Kafka since 2.5,
  // KIP-360); true: answered UNKNOWN_PRODUCER_ID, as brokers before 2.5 did.
  bool unknown_producer_id_for_lost_state = false;
  // While true, Produce answers are held after the broker handled the
  // request (an answer read, its coroutine not resumed yet); cancel_all()
  // lets them go, as a transport cannot cancel an answer it has read.
  bool hold_answers = false;

  // ---- what happened ----
  const std::vector<StoredRecord>& log(const std::string& topic, std::int32_t partition) { return logs_[{topic, partition}]; }
  int produce_requests = 0;
  int init_producer_id_requests = 0;
  int metadata_refreshes = 0;
  std::vector<std::int32_t> prepared;  // prepare_connection calls, in order
  std::function<void(std::int32_t)> on_prepare;  // set before start(); runs on the io thread
  int max_concurrent = 0;
  std::vector<std::string> violations;  // anything a real broker would reject as malformed
  // Told one line per partition answer and per InitProducerId, when set.
  std::function<void(const std::string&)> trace;

  // ---- SenderTransport ----
  std::optional<std::int32_t> leader_of(std::string_view topic, std::int32_t partition) override {
    auto it = leaders_.find({std::string(topic), partition});
    if (it == leaders_.end()) return std::nullopt;
    return it->second;
  }
  void request_metadata_refresh(std::string_view) override { ++metadata_refreshes; }
  void on_leaders_changed(std::function<void()> changed) override { leaders_changed_ = std::move(changed); }

  asio::awaitable<net::Result<protocol::messages::ProduceResponse>> produce(
      std::int32_t broker, const detail::OutgoingProduceRequest& outgoing, bool& written) override {
    // The records as one span per batch, as a broker reads them.
    detail::OutgoingProduceRequest::Body copy;
    std::vector<std::vector<std::uint8_t>> storage;
    const protocol::messages::ProduceRequest& request = outgoing.contiguous(copy, storage);
    net::Result<protocol::messages::ProduceResponse> result;
    ++produce_requests;
    ++concurrent_;
    max_concurrent = std::max(max_concurrent, concurrent_);
    // Yield once so several requests can be in flight, answered in order.
    co_await asio::post(executor_, asio::use_awaitable);
    --concurrent_;
    RequestFault fault = RequestFault::none;
    if (!request_faults_.empty()) {
      fault = request_faults_.front();
      request_faults_.pop_front();
    }
    if (fault == RequestFault::lose_connection) {
      result.error = net::net_errc::connection_closed;
      co_return result;
    }
    written = true;
    result.response.body = handle(broker, request, fault == RequestFault::lose_response_after_write);
    while (hold_answers) co_await asio::post(executor_, asio::use_awaitable);
    if (fault == RequestFault::lose_response_after_write) {
      result.error = net::net_errc::request_timed_out;
      result.response.body = {};
    }
    co_return result;
  }

  asio::awaitable<std::error_code> produce_without_ack(std::int32_t broker,
                                                       const detail::OutgoingProduceRequest& outgoing,
                                                       bool& written) override {
    detail::OutgoingProduceRequest::Body copy;
    std::vector<std::vector<std::uint8_t>> storage;
    const protocol::messages::ProduceRequest& request = outgoing.contiguous(copy, storage);
    ++produce_requests;
    co_await asio::post(executor_, asio::use_awaitable);
    written = true;
    (void)handle(broker, request, false);
    co_return std::error_code{};
  }

  asio::awaitable<net::Result<protocol::messages::InitProducerIdResponse>> init_producer_id(
      const protocol::messages::InitProducerIdRequest& request) override {
    ++init_producer_id_requests;
    co_await asio::post(executor_, asio::use_awaitable);
    net::Result<protocol::messages::InitProducerIdResponse> result;
    if (request.transactional_id.has_value()) violations.push_back("idempotent InitProducerId with a transactional id");
    if (!init_errors_.empty()) {
      result.response.body.error_code = init_errors_.front();
      init_errors_.pop_front();
      result.response.body.producer_id = -1;
      if (trace) trace("InitProducerId: error " + std::to_string(result.response.body.error_code));
      co_return result;
    }
    result.response.body.producer_id = next_producer_id_++;
    result.response.body.producer_epoch = 0;
    handed_out_.insert(result.response.body.producer_id);
    if (trace) trace("InitProducerId: id " + std::to_string(result.response.body.producer_id));
    co_return result;
  }

  void cancel_all() override { hold_answers = false; }
  void prepare_connection(std::int32_t broker) override {
    prepared.push_back(broker);
    if (on_prepare) on_prepare(broker);
  }

 private:
  struct ProducerEntry {
    std::int16_t epoch = -1;
    std::int32_t last_sequence = -1;
    // Recent batches: base sequence -> (last sequence, base offset).
    std::deque<std::pair<std::int32_t, std::pair<std::int32_t, std::int64_t>>> recent;
    // Writes not (yet) answered as written, (epoch, base sequence), of any
    // epoch: a new epoch resets the rest of the entry, not these.
    std::set<std::pair<std::int16_t, std::int32_t>> unconfirmed;
  };
  // What append() did with an idempotent batch: written now, or recognised as
  // written before (entry null otherwise).
  struct Appended {
    ProducerEntry* entry = nullptr;
    std::pair<std::int16_t, std::int32_t> batch;  // epoch, base sequence
    bool now = false;
  };

  struct ScriptedError {
    std::int16_t code;
    ErrorTiming timing;
  };

  // `answer_lost`: the client will not see the response.
  protocol::messages::ProduceResponse handle(std::int32_t broker, const protocol::messages::ProduceRequest& request,
                                             bool answer_lost) {
    protocol::messages::ProduceResponse response;
    std::set<PartitionKey> seen;
    for (const auto& topic : request.topic_data) {
      auto& t = response.responses.emplace_back();
      t.name = topic.name;
      for (const auto& part : topic.partition_data) {
        auto& p = t.partition_responses.emplace_back();
        p.index = part.index;
        PartitionKey key{topic.name, part.index};
        if (!seen.insert(key).second)
          violations.push_back("partition " + topic.name + "/" + std::to_string(part.index) + " twice in a request");
        auto lead = leaders_.find(key);
        if (lead == leaders_.end() || lead->second != broker) {
          p.error_code = 6;  // NOT_LEADER_OR_FOLLOWER
          if (trace) trace("broker " + std::to_string(broker) + " " + topic.name + "/" + std::to_string(part.index) +
                           ": not the leader");
          continue;
        }
        std::optional<ScriptedError> scripted;
        auto& queued = partition_errors_[key];
        if (!queued.empty() && (!part.records || scripted_error_applies(queued.front().code, key, *part.records))) {
          scripted = queued.front();
          queued.pop_front();
          if (scripted->timing == ErrorTiming::instead_of_append) {
            p.error_code = scripted->code;
            if (trace) trace("broker " + std::to_string(broker) + " " + topic.name + "/" + std::to_string(part.index) +
                             ": refused " + std::to_string(p.error_code));
            continue;
          }
        }
        if (!part.records) {
          violations.push_back("null records");
          p.error_code = 87;
          continue;
        }
        const Appended appended = append(key, *part.records, p);
        ++answered[p.error_code];
        if (scripted && p.error_code == 0) {
          // Appended (or a duplicate); the answer says otherwise.
          p.error_code = scripted->code;
          p.base_offset = -1;
        }
        if (trace) {
          protocol::records::BatchReader reader(*part.records);
          const bool ok = reader.next_batch();
          const auto& info = reader.batch();
          trace("broker " + std::to_string(broker) + " " + topic.name + "/" + std::to_string(part.index) +
                (ok ? " id " + std::to_string(info.producer_id) + " epoch " + std::to_string(info.producer_epoch) +
                          " sequence " + std::to_string(info.base_sequence) + " +" + std::to_string(info.record_count)
                    : std::string(" undecodable")) +
                ": " + (appended.now ? "written, " : appended.entry ? "duplicate, " : "") + "answered " +
                std::to_string(p.error_code) + " offset " + std::to_string(p.base_offset) +
                (answer_lost ? " (answer lost)" : ""));
        }
        if (appended.entry != nullptr) {
          if (!answer_lost && (p.error_code == 0 || p.error_code == 46)) {
            appended.entry->unconfirmed.erase(appended.batch);
          } else if (appended.now) {
            appended.entry->unconfirmed.insert(appended.batch);
          }
        }
      }
    }
    return response;
  }


  // A retry of one of the last five batches of its producer and epoch on the
  // partition: the first write's base offset (step 1 of KAFKA-PRODUCER-STATE.md).
  static std::optional<std::int64_t> first_write(const ProducerEntry& pe, const protocol::records::BatchInfo& info) {
    if (info.producer_epoch != pe.epoch) return std::nullopt;
    const std::int32_t last = last_sequence_of(info.base_sequence, info.record_count);
    for (const auto& [base, rest] : pe.recent)
      if (base == info.base_sequence && rest.first == last) return rest.second;
    return std::nullopt;
  }

  // See push_partition_errors.
  bool scripted_error_applies(std::int16_t code, const PartitionKey& key, protocol::Bytes records) {
    const bool state_verdict = code == 45 || code == 47 || code == 59;
    if (!state_verdict && code != 10 && code != 18) return true;
    protocol::records::BatchReader reader(records);
    if (!reader.next_batch() || reader.batch().producer_id < 0) return true;
    auto it = producers_.find({key, reader.batch().producer_id});
    if (it == producers_.end() || it->second.epoch < 0) return !state_verdict;
    return !first_write(it->second, reader.batch()).has_value();
  }

  // Sequences wrap past INT32_MAX to 0.
  static std::int32_t last_sequence_of(std::int32_t base, std::int32_t count) {
    return static_cast<std::int32_t>((static_cast<std::int64_t>(base) + count - 1) %
                                     (std::int64_t{std::numeric_limits<std::int32_t>::max()} + 1));
  }

  // A new epoch (or the first): sequences start again; unconfirmed writes stay.
  static void start_epoch(ProducerEntry& pe, std::int16_t epoch) {
    pe.epoch = epoch;
    pe.last_sequence = -1;
    pe.recent.clear();
  }

  static std::int32_t next_sequence(std::int32_t last) {
    return last == std::numeric_limits<std::int32_t>::max() ? 0 : last + 1;
  }

  Appended append(const PartitionKey& key, protocol::Bytes records,
                  protocol::messages::ProduceResponse::TopicProduceResponse::PartitionProduceResponse& out) {
    Appended appended;
    protocol::records::BatchReader reader(records);
    if (!reader.next_batch()) {
      violations.push_back("undecodable batch: " + reader.error().message());
      out.error_code = 2;  // CORRUPT_MESSAGE
      return appended;
    }
    const auto info = reader.batch();
    if (reader.position() != records.size())
      violations.push_back("more than one batch, or bytes after the batch, for a partition in a request");
    auto& log = logs_[key];
    const std::int64_t base_offset = static_cast<std::int64_t>(log.size());
    if (info.producer_id >= 0) {
      if (!handed_out_.empty() && !handed_out_.count(info.producer_id))
        violations.push_back("producer id " + std::to_string(info.producer_id) + " never handed out");
      if (info.base_sequence < 0 || info.producer_epoch < 0 || info.record_count <= 0)
        violations.push_back("idempotent batch with sequence " + std::to_string(info.base_sequence) + ", epoch " +
                             std::to_string(info.producer_epoch) + ", " + std::to_string(info.record_count) +
                             " records");
      ProducerEntry& pe = producers_[{key, info.producer_id}];
      const std::int32_t last = last_sequence_of(info.base_sequence, info.record_count);
      // A duplicate: nothing written, answered with the first write's offset.
      if (const auto first = first_write(pe, info)) {
        out.error_code = 0;
        out.base_offset = *first;
        ++duplicates_answered;
        if (int& n = duplicate_errors_[key]; n > 0) {
          --n;
          out.error_code = 46;  // DUPLICATE_SEQUENCE_NUMBER
          out.base_offset = -1;
        }
        return {&pe, {info.producer_epoch, info.base_sequence}, false};
      }
      if (info.producer_epoch < pe.epoch) {
        out.error_code = 47;  // INVALID_PRODUCER_EPOCH
        return appended;
      }
      if (pe.epoch < 0) {
        // No state for this producer on the partition: any first sequence.
        if (unknown_producer_id_for_lost_state && info.base_sequence != 0) {
          out.error_code = 59;  // UNKNOWN_PRODUCER_ID
          return appended;
        }
        start_epoch(pe, info.producer_epoch);
      } else if (info.producer_epoch > pe.epoch) {
        if (info.base_sequence != 0) {
          out.error_code = 45;  // OUT_OF_ORDER_SEQUENCE_NUMBER
          return appended;
        }
        start_epoch(pe, info.producer_epoch);
      } else if (info.base_sequence != next_sequence(pe.last_sequence)) {
        out.error_code = 45;  // OUT_OF_ORDER_SEQUENCE_NUMBER
        return appended;
      }
      pe.last_sequence = last;
      pe.recent.emplace_back(info.base_sequence, std::make_pair(last, base_offset));
      if (pe.recent.size() > 5) pe.recent.pop_front();
      appended = {&pe, {info.producer_epoch, info.base_sequence}, true};
    }
    protocol::records::RecordView record;
    std::int32_t n = 0;
    while (reader.next_record(record)) {
      StoredRecord r;
      r.offset = base_offset + n++;
      r.timestamp = record.timestamp;
      if (record.key) r.key = std::string(protocol::as_string(*record.key));
      if (record.value) r.value = std::string(protocol::as_string(*record.value));
      log.push_back(std::move(r));
    }
    if (reader.error()) violations.push_back("bad record: " + reader.error().message());
    out.error_code = 0;
    out.base_offset = base_offset;
    return appended;
  }

 public:
  int duplicates_answered = 0;
  std::map<std::int16_t, int> answered;  // error code -> how often, for failure messages

 private:
  asio::any_io_executor executor_;
  std::map<PartitionKey, std::int32_t> leaders_;
  std::map<PartitionKey, std::deque<ScriptedError>> partition_errors_;
  std::map<PartitionKey, int> duplicate_errors_;
  std::deque<std::int16_t> init_errors_;
  std::set<std::int64_t> handed_out_;
  std::deque<RequestFault> request_faults_;
  std::map<PartitionKey, std::vector<StoredRecord>> logs_;
  std::map<std::pair<PartitionKey, std::int64_t>, ProducerEntry> producers_;
  std::int64_t next_producer_id_ = 1000;
  int concurrent_ = 0;
  std::function<void()> leaders_changed_;
};

}  // namespace kwire::test
