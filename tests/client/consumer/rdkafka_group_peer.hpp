// librdkafka as the other member of a consumer group's offsets: a consumer
// handle with group.id that commits explicit offsets (rd_kafka_commit, sync)
// and reads what the group has committed (rd_kafka_committed). Tests only.
#pragma once

#include <librdkafka/rdkafka.h>

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

namespace kwire::test {

class RdkafkaGroupPeer {
 public:
  RdkafkaGroupPeer(const std::string& bootstrap, const std::string& group) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    for (const auto& [k, v] : {std::pair<const char*, std::string>{"bootstrap.servers", bootstrap},
                               {"group.id", group},
                               {"enable.auto.commit", "false"}})
      REQUIRE(rd_kafka_conf_set(conf, k, v.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK);
    rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    REQUIRE(rk_ != nullptr);
  }
  ~RdkafkaGroupPeer() {
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
  }
  RdkafkaGroupPeer(const RdkafkaGroupPeer&) = delete;
  RdkafkaGroupPeer& operator=(const RdkafkaGroupPeer&) = delete;

  struct Committed {
    std::int64_t offset = -1;  // RD_KAFKA_OFFSET_INVALID (-1001) is reported as -1
    std::string metadata;
  };

  Committed committed(const std::string& topic, std::int32_t partition) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, topic.c_str(), partition);
    REQUIRE(rd_kafka_committed(rk_, list, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
    const rd_kafka_topic_partition_t& p = list->elems[0];
    REQUIRE(p.err == RD_KAFKA_RESP_ERR_NO_ERROR);
    Committed out;
    out.offset = p.offset >= 0 ? p.offset : -1;
    if (p.metadata) out.metadata.assign(static_cast<const char*>(p.metadata), p.metadata_size);
    rd_kafka_topic_partition_list_destroy(list);
    return out;
  }

  void commit(const std::string& topic, std::int32_t partition, std::int64_t offset, const std::string& metadata) {
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_t* p = rd_kafka_topic_partition_list_add(list, topic.c_str(), partition);
    p->offset = offset;
    p->metadata = std::malloc(metadata.size() + 1);  // freed by the list
    std::memcpy(p->metadata, metadata.data(), metadata.size());
    p->metadata_size = metadata.size();
    REQUIRE(rd_kafka_commit(rk_, list, 0) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(list);
  }

 private:
  rd_kafka_t* rk_ = nullptr;
};

}  // namespace kwire::test
