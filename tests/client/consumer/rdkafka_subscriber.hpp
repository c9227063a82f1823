// librdkafka's consumer as a member of the same group as kwire consumers:
// rd_kafka_subscribe, librdkafka's own assignors and rebalancing (its
// default rebalance handling, or with commit_on_revoke a rebalance callback
// that commits the positions of what it gives up, then (incrementally, for
// cooperative-sticky) unassigns it), polled by the test's thread. Records
// are copied out as (partition, offset) pairs. Tests only.
#pragma once

#include <librdkafka/rdkafka.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kwire/consumer.hpp"

namespace kwire::test {

class RdkafkaSubscriber {
 public:
  RdkafkaSubscriber(const std::string& bootstrap, const std::map<std::string, std::string>& settings,
                    bool commit_on_revoke = false) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    if (commit_on_revoke) {
      rd_kafka_conf_set_rebalance_cb(conf, &RdkafkaSubscriber::on_rebalance);
      rd_kafka_conf_set_opaque(conf, this);
    }
    char err[512];
    std::map<std::string, std::string> all{{"bootstrap.servers", bootstrap},
                                           {"auto.offset.reset", "earliest"},
                                           {"enable.auto.commit", "false"}};
    for (const auto& [k, v] : settings) all[k] = v;
    for (const auto& [k, v] : all) REQUIRE(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK);
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    REQUIRE(rk_ != nullptr);
    rd_kafka_poll_set_consumer(rk_);
  }
  ~RdkafkaSubscriber() {
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }
  RdkafkaSubscriber(const RdkafkaSubscriber&) = delete;
  RdkafkaSubscriber& operator=(const RdkafkaSubscriber&) = delete;

  void subscribe(const std::string& topic) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
    REQUIRE(rd_kafka_subscribe(rk_, list) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(list);
  }

  // Polls once; appends each record's (partition, offset) to `out`.
  void poll(int timeout_ms, std::vector<std::pair<std::int32_t, std::int64_t>>& out) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, timeout_ms);
    if (!m) return;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) out.emplace_back(m->partition, m->offset);
    else if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) FAIL("librdkafka consumer: " << rd_kafka_message_errstr(m));
    rd_kafka_message_destroy(m);
  }

  // Commits the positions of what was read (rd_kafka_commit, synchronous).
  void commit() {
    const rd_kafka_resp_err_t err = rd_kafka_commit(rk_, nullptr, 0);
    REQUIRE((err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR__NO_OFFSET));
  }

  // Revoked partitions whose commit the coordinator refused, with the
  // position that was not committed (commit_on_revoke; polling thread only).
  const std::vector<std::pair<kwire::TopicPartition, std::int64_t>>& refused_commits() const { return refused_; }

  std::vector<kwire::TopicPartition> assignment() {
    rd_kafka_topic_partition_list_t* list = nullptr;
    REQUIRE(rd_kafka_assignment(rk_, &list) == RD_KAFKA_RESP_ERR_NO_ERROR);
    std::vector<kwire::TopicPartition> out;
    for (int i = 0; i < list->cnt; ++i) out.push_back({list->elems[i].topic, list->elems[i].partition});
    rd_kafka_topic_partition_list_destroy(list);
    return out;
  }

 private:
  static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                           void* opaque) {
    auto* self = static_cast<RdkafkaSubscriber*>(opaque);
    const bool cooperative = std::string(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
    rd_kafka_error_t* error = nullptr;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      if (cooperative) error = rd_kafka_incremental_assign(rk, partitions);
      else rd_kafka_assign(rk, partitions);
    } else {
      if (!rd_kafka_assignment_lost(rk)) {
        rd_kafka_topic_partition_list_t* at = rd_kafka_topic_partition_list_copy(partitions);
        rd_kafka_position(rk, at);
        rd_kafka_topic_partition_list_t* read = rd_kafka_topic_partition_list_new(at->cnt);
        for (int i = 0; i < at->cnt; ++i)
          if (at->elems[i].offset >= 0)
            rd_kafka_topic_partition_list_add(read, at->elems[i].topic, at->elems[i].partition)->offset =
                at->elems[i].offset;
        if (read->cnt > 0 && rd_kafka_commit(rk, read, 0) != RD_KAFKA_RESP_ERR_NO_ERROR)
          for (int i = 0; i < read->cnt; ++i)
            self->refused_.push_back({{read->elems[i].topic, read->elems[i].partition}, read->elems[i].offset});
        rd_kafka_topic_partition_list_destroy(read);
        rd_kafka_topic_partition_list_destroy(at);
      }
      if (cooperative) error = rd_kafka_incremental_unassign(rk, partitions);
      else rd_kafka_assign(rk, nullptr);
    }
    if (error) rd_kafka_error_destroy(error);
  }

  rd_kafka_t* rk_ = nullptr;
  std::vector<std::pair<kwire::TopicPartition, std::int64_t>> refused_;
};

}  // namespace kwire::test
