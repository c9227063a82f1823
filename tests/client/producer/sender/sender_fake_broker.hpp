// An in-process broker for sender tests, behind the SenderTransport
// interface: per-partition logs decoded with the records layer's reader,
// Kafka's idempotence checks (per producer id: epoch fencing, sequence gaps,
// duplicates of the last five batches answered with their first offsets), and
// scripted faults: partition errors (nothing written), lost responses
// (written, then the request times out), lost connections (not written),
// leader moves. Everything runs on the test's io_context thread.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
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

  explicit FakeBroker(asio::any_io_executor executor) : executor_(executor) {}

  // ---- set-up and faults (io thread, or before the sender starts) ----
  // As a metadata refresh would, tells the sender (if started) leaders changed.
  void set_leader(const std::string& topic, std::int32_t partition, std::int32_t broker) {
    leaders_[{topic, partition}] = broker;
    if (leaders_changed_) leaders_changed_();
  }
  // The next produce attempts of this partition answer these codes, unwritten.
  void push_partition_errors(const std::string& topic, std::int32_t partition, std::vector<std::int16_t> codes) {
    for (auto c : codes) partition_errors_[{topic, partition}].push_back(c);
  }
  // The next requests (to any broker) fail at the transport.
  void push_request_faults(std::vector<RequestFault> faults) {
    for (auto f : faults) request_faults_.push_back(f);
  }
  // Forget every producer's state (as after a broker lost it).
  void forget_producers() { producers_.clear(); }

  // ---- what happened ----
  const std::vector<StoredRecord>& log(const std::string& topic, std::int32_t partition) { return logs_[{topic, partition}]; }
  int produce_requests = 0;
  int init_producer_id_requests = 0;
  int metadata_refreshes = 0;
  std::vector<std::int32_t> prepared;  // prepare_connection calls, in order
  std::function<void(std::int32_t)> on_prepare;  // set before start(); runs on the io thread
  int max_concurrent = 0;
  std::vector<std::string> violations;  // anything a real broker would reject as malformed

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
    result.response.body = handle(broker, request);
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
    (void)handle(broker, request);
    co_return std::error_code{};
  }

  asio::awaitable<net::Result<protocol::messages::InitProducerIdResponse>> init_producer_id(
      const protocol::messages::InitProducerIdRequest& request) override {
    ++init_producer_id_requests;
    co_await asio::post(executor_, asio::use_awaitable);
    net::Result<protocol::messages::InitProducerIdResponse> result;
    if (request.transactional_id.has_value()) violations.push_back("idempotent InitProducerId with a transactional id");
    result.response.body.producer_id = next_producer_id_++;
    result.response.body.producer_epoch = 0;
    co_return result;
  }

  void cancel_all() override {}
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
  };

  protocol::messages::ProduceResponse handle(std::int32_t broker, const protocol::messages::ProduceRequest& request) {
    protocol::messages::ProduceResponse response;
    for (const auto& topic : request.topic_data) {
      auto& t = response.responses.emplace_back();
      t.name = topic.name;
      for (const auto& part : topic.partition_data) {
        auto& p = t.partition_responses.emplace_back();
        p.index = part.index;
        PartitionKey key{topic.name, part.index};
        auto lead = leaders_.find(key);
        if (lead == leaders_.end() || lead->second != broker) {
          p.error_code = 6;  // NOT_LEADER_OR_FOLLOWER
          continue;
        }
        auto& queued = partition_errors_[key];
        if (!queued.empty()) {
          p.error_code = queued.front();
          queued.pop_front();
          continue;
        }
        if (!part.records) {
          violations.push_back("null records");
          p.error_code = 87;
          continue;
        }
        append(key, *part.records, p);
        ++answered[p.error_code];
      }
    }
    return response;
  }

  void append(const PartitionKey& key, protocol::Bytes records,
              protocol::messages::ProduceResponse::TopicProduceResponse::PartitionProduceResponse& out) {
    protocol::records::BatchReader reader(records);
    if (!reader.next_batch()) {
      violations.push_back("undecodable batch: " + reader.error().message());
      out.error_code = 2;  // CORRUPT_MESSAGE
      return;
    }
    const auto info = reader.batch();
    auto& log = logs_[key];
    const std::int64_t base_offset = static_cast<std::int64_t>(log.size());
    if (info.producer_id >= 0) {
      ProducerEntry& pe = producers_[{key, info.producer_id}];
      const std::int32_t last = info.base_sequence + info.record_count - 1;
      if (info.producer_epoch < pe.epoch) {
        out.error_code = 47;  // INVALID_PRODUCER_EPOCH
        return;
      }
      if (info.producer_epoch > pe.epoch) {
        if (info.base_sequence != 0) {
          out.error_code = pe.epoch < 0 ? 59 : 45;  // UNKNOWN_PRODUCER_ID / OUT_OF_ORDER
          return;
        }
        pe = ProducerEntry{};
        pe.epoch = info.producer_epoch;
      } else {
        for (const auto& [base, rest] : pe.recent) {
          if (base == info.base_sequence && rest.first == last) {
            out.error_code = 0;  // a duplicate: the broker answers with the first write's offset
            out.base_offset = rest.second;
            ++duplicates_answered;
            return;
          }
        }
        if (info.base_sequence != pe.last_sequence + 1) {
          out.error_code = 45;  // OUT_OF_ORDER_SEQUENCE_NUMBER
          return;
        }
      }
      pe.last_sequence = last;
      pe.recent.emplace_back(info.base_sequence, std::make_pair(last, base_offset));
      if (pe.recent.size() > 5) pe.recent.pop_front();
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
  }

 public:
  int duplicates_answered = 0;
  std::map<std::int16_t, int> answered;  // error code -> how often, for failure messages

 private:
  asio::any_io_executor executor_;
  std::map<PartitionKey, std::int32_t> leaders_;
  std::map<PartitionKey, std::deque<std::int16_t>> partition_errors_;
  std::deque<RequestFault> request_faults_;
  std::map<PartitionKey, std::vector<StoredRecord>> logs_;
  std::map<std::pair<PartitionKey, std::int64_t>, ProducerEntry> producers_;
  std::int64_t next_producer_id_ = 1000;
  int concurrent_ = 0;
  std::function<void()> leaders_changed_;
};

}  // namespace kwire::test
