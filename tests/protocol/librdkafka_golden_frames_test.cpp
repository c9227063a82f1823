// Golden frames from a peer we did not write: librdkafka (C API, in process)
// talks to the mock cluster through tests/support/recording_relay. Every
// recorded request and response must decode with the generated messages,
// re-encode to the identical bytes, and hold what librdkafka was asked to
// send (topic, acks, transactional id, group id...).
#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "kwire/protocol/api_table.hpp"
#include "kwire/protocol/message_schema.hpp"
#include "kwire/protocol/messages/add_offsets_to_txn_request.hpp"
#include "kwire/protocol/messages/add_partitions_to_txn_request.hpp"
#include "kwire/protocol/messages/end_txn_request.hpp"
#include "kwire/protocol/messages/fetch_response.hpp"
#include "kwire/protocol/messages/init_producer_id_request.hpp"
#include "kwire/protocol/messages/join_group_request.hpp"
#include "kwire/protocol/messages/produce_request.hpp"
#include "kwire/protocol/messages/request_header.hpp"
#include "kwire/protocol/messages/response_header.hpp"
#include "kwire/protocol/messages/txn_offset_commit_request.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "mock_cluster.hpp"
#include "recording_relay.hpp"

using namespace kwire::protocol;
using namespace kwire::protocol::messages;

namespace {

constexpr const char* kTopic = "golden";
constexpr const char* kTxnId = "golden-txn";
constexpr const char* kGroup = "golden-group";

void maybe_write_seed(const kwire::test::RecordedFrame& f, std::size_t header_size, std::size_t index);

rd_kafka_conf_t* base_conf(const std::string& bootstrap) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[256];
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "broker.address.family", "v4", err, sizeof err);
  return conf;
}

void set(rd_kafka_conf_t* conf, const char* key, const char* value) {
  char err[256];
  REQUIRE(rd_kafka_conf_set(conf, key, value, err, sizeof err) == RD_KAFKA_CONF_OK);
}

void produce_some(rd_kafka_t* rk, int n, const std::string& tag) {
  for (int i = 0; i < n; ++i) {
    std::string key = "key-" + std::to_string(i);
    std::string value = tag + "-value-" + std::to_string(i) + std::string(100, 'x');
    REQUIRE(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(kTopic), RD_KAFKA_V_KEY(key.data(), key.size()),
                              RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR);
  }
}

void run_producers(const std::string& bootstrap) {
  for (const char* codec : {"none", "gzip", "snappy", "lz4", "zstd"}) {
    rd_kafka_conf_t* conf = base_conf(bootstrap);
    set(conf, "compression.codec", codec);
    set(conf, "acks", "all");
    set(conf, "linger.ms", "5");
    char err[256];
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    REQUIRE(rk);
    produce_some(rk, 20, codec);
    REQUIRE(rd_kafka_flush(rk, 20000) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(rk);
  }
}

void run_transaction(const std::string& bootstrap) {
  rd_kafka_conf_t* conf = base_conf(bootstrap);
  set(conf, "transactional.id", kTxnId);
  char err[256];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  REQUIRE(rk);
  auto ok = [](rd_kafka_error_t* e) {
    INFO((e ? rd_kafka_error_string(e) : "ok"));
    bool good = e == nullptr;
    if (e) rd_kafka_error_destroy(e);
    return good;
  };
  REQUIRE(ok(rd_kafka_init_transactions(rk, 20000)));
  REQUIRE(ok(rd_kafka_begin_transaction(rk)));
  produce_some(rk, 5, "txn");
  rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(offsets, kTopic, 0)->offset = 3;
  rd_kafka_consumer_group_metadata_t* cgmd = rd_kafka_consumer_group_metadata_new(kGroup);
  REQUIRE(ok(rd_kafka_send_offsets_to_transaction(rk, offsets, cgmd, 20000)));
  rd_kafka_consumer_group_metadata_destroy(cgmd);
  rd_kafka_topic_partition_list_destroy(offsets);
  REQUIRE(ok(rd_kafka_commit_transaction(rk, 20000)));
  rd_kafka_destroy(rk);
}

bool saw_request(const kwire::test::RecordingRelay& relay, std::int16_t api_key) {
  for (const auto& f : relay.frames())
    if (f.is_request && f.api_key == api_key) return true;
  return false;
}

void run_consumer(const kwire::test::RecordingRelay& relay) {
  rd_kafka_conf_t* conf = base_conf(relay.bootstrap());
  set(conf, "group.id", kGroup);
  set(conf, "auto.offset.reset", "earliest");
  set(conf, "enable.auto.commit", "false");
  set(conf, "heartbeat.interval.ms", "100");
  char err[256];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  REQUIRE(rk);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, kTopic, RD_KAFKA_PARTITION_UA);
  REQUIRE(rd_kafka_subscribe(rk, topics) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(topics);
  int received = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (received < 20 && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (!m) continue;
    if (!m->err) ++received;
    rd_kafka_message_destroy(m);
  }
  CHECK(received >= 20);
  CHECK(rd_kafka_commit(rk, nullptr, 0) == RD_KAFKA_RESP_ERR_NO_ERROR);
  // Stay in the group until librdkafka has sent a Heartbeat (every 100 ms).
  constexpr std::int16_t kHeartbeat = 12;
  while (!saw_request(relay, kHeartbeat) && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m) rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
}

// Header and body of a recorded frame, decoded and re-encoded.
void check_identical(const kwire::test::RecordedFrame& f) {
  const std::int16_t hv = f.is_request ? request_header_version(f.api_key, f.api_version)
                                       : response_header_version(f.api_key, f.api_version);
  REQUIRE(hv >= 0);
  const MessageSchema* header = find_message_schema(f.is_request ? "RequestHeader" : "ResponseHeader");
  Reader hr(f.body);
  auto hrt_error = f.is_request ? RequestHeader{}.decode(hr, hv) : ResponseHeader{}.decode(hr, hv);
  REQUIRE_FALSE(hrt_error);
  const std::size_t header_size = hr.position();
  auto hrt = round_trip_message(*header, hv, Bytes(f.body.data(), header_size));
  REQUIRE(hrt.encoded == std::vector<std::uint8_t>(f.body.begin(), f.body.begin() + static_cast<long>(header_size)));
  const MessageSchema* body =
      find_message_schema(f.is_request ? MessageKind::request : MessageKind::response, f.api_key);
  REQUIRE(body);
  Bytes rest(f.body.data() + header_size, f.body.size() - header_size);
  auto rt = round_trip_message(*body, f.api_version, rest);
  REQUIRE_FALSE(rt.error);
  REQUIRE(rt.consumed == rest.size());
  REQUIRE(rt.encoded_size == rest.size());
  REQUIRE(rt.encoded == std::vector<std::uint8_t>(rest.begin(), rest.end()));
  static std::size_t index = 0;
  maybe_write_seed(f, header_size, index++);
}

template <typename Message>
Message body_of(const kwire::test::RecordedFrame& f) {
  Reader r(f.body);
  RequestHeader h;
  h.decode(r, request_header_version(f.api_key, f.api_version));
  Message m;
  REQUIRE_FALSE(m.decode(r, f.api_version));
  return m;
}

// With KWIRE_WRITE_FUZZ_SEEDS=<dir>, writes each frame body in the input format
// of tests/fuzz/message_decode_fuzz.cpp, to refresh its seed corpus.
void maybe_write_seed(const kwire::test::RecordedFrame& f, std::size_t header_size, std::size_t index) {
  const char* dir = std::getenv("KWIRE_WRITE_FUZZ_SEEDS");
  if (!dir) return;
  std::vector<std::uint8_t> seed{static_cast<std::uint8_t>(f.is_request ? 0 : 1),
                                 static_cast<std::uint8_t>(f.api_key >> 8), static_cast<std::uint8_t>(f.api_key),
                                 static_cast<std::uint8_t>(f.api_version >> 8),
                                 static_cast<std::uint8_t>(f.api_version)};
  seed.insert(seed.end(), f.body.begin() + static_cast<long>(header_size), f.body.end());
  std::filesystem::create_directories(dir);
  std::ofstream out(std::filesystem::path(dir) / ("librdkafka-" + std::to_string(f.api_key) + "-v" +
                                                  std::to_string(f.api_version) + (f.is_request ? "-req-" : "-resp-") +
                                                  std::to_string(index)),
                    std::ios::binary);
  out.write(reinterpret_cast<const char*>(seed.data()), static_cast<std::streamsize>(seed.size()));
}

}  // namespace

TEST_CASE("librdkafka's frames through a recording relay decode and re-encode identically",
          "[protocol][golden][librdkafka]") {
  kwire::test::MockCluster cluster(1);
  cluster.create_topic(kTopic, 2, 1);
  kwire::test::RecordingRelay relay(cluster.first_host(), cluster.first_port());

  run_producers(relay.bootstrap());
  run_transaction(relay.bootstrap());
  run_consumer(relay);

  const auto frames = relay.frames();
  std::map<std::string, int> seen;  // "Name v3 request" -> count
  std::set<std::int16_t> keys;
  for (const auto& f : frames) {
    REQUIRE(f.api_key >= 0);
    const ApiInfo* api = find_api(f.api_key);
    REQUIRE(api);
    INFO(std::string(api->name) << " v" << f.api_version << (f.is_request ? " request" : " response")
                                << " correlation " << f.correlation_id);
    keys.insert(f.api_key);
    if (!f.is_request && f.api_key == 18 && f.api_version >= 3) {
      // The mock refuses ApiVersions v3 with a body that is not well-formed
      // (MOCK-CLUSTER.md); a client only reads its leading error code (KIP-511).
      Reader r(f.body);
      r.i32();
      CHECK(r.i16() == 35);  // UNSUPPORTED_VERSION
      continue;
    }
    check_identical(f);
    ++seen[std::string(api->name) + " v" + std::to_string(f.api_version) + (f.is_request ? " request" : " response")];
  }
  for (const auto& [what, n] : seen) UNSCOPED_INFO(what << ": " << n);
  // ApiVersions, Metadata, Produce, InitProducerId, FindCoordinator, AddPartitionsToTxn,
  // AddOffsetsToTxn, TxnOffsetCommit, EndTxn, Fetch, ListOffsets, OffsetCommit,
  // OffsetFetch, JoinGroup, SyncGroup, Heartbeat.
  for (std::int16_t key : {18, 3, 0, 22, 10, 24, 25, 28, 26, 1, 2, 8, 9, 11, 14, 12}) {
    INFO("API key " << key);
    CHECK(keys.count(key) == 1);
  }

  // What librdkafka was asked to send is in the decoded requests.
  std::set<std::string> produce_topics;
  bool acks_all = false, txn_produce = false;
  bool init_txn = false, add_partitions = false, add_offsets = false, txn_offsets = false, end_commit = false;
  bool join = false;
  for (const auto& f : frames) {
    if (!f.is_request) continue;
    if (f.api_key == ProduceRequest::api_key) {
      auto p = body_of<ProduceRequest>(f);
      acks_all = acks_all || p.acks == -1;
      if (p.transactional_id == kTxnId) txn_produce = true;
      for (const auto& t : p.topic_data) {
        produce_topics.insert(t.name);
        for (const auto& part : t.partition_data) {
          REQUIRE(part.records.has_value());
          CHECK(part.records->size() > 61);  // at least one record batch header
        }
      }
    } else if (f.api_key == InitProducerIdRequest::api_key) {
      auto m = body_of<InitProducerIdRequest>(f);
      if (m.transactional_id == kTxnId) init_txn = true;
    } else if (f.api_key == AddPartitionsToTxnRequest::api_key) {
      auto m = body_of<AddPartitionsToTxnRequest>(f);
      add_partitions = m.v3_and_below_transactional_id == kTxnId && !m.v3_and_below_topics.empty() &&
                       m.v3_and_below_topics[0].name == kTopic;
    } else if (f.api_key == AddOffsetsToTxnRequest::api_key) {
      auto m = body_of<AddOffsetsToTxnRequest>(f);
      add_offsets = m.transactional_id == kTxnId && m.group_id == kGroup;
    } else if (f.api_key == TxnOffsetCommitRequest::api_key) {
      auto m = body_of<TxnOffsetCommitRequest>(f);
      txn_offsets = m.group_id == kGroup && m.topics.size() == 1 && m.topics[0].name == kTopic &&
                    m.topics[0].partitions.size() == 1 && m.topics[0].partitions[0].committed_offset == 3;
    } else if (f.api_key == EndTxnRequest::api_key) {
      auto m = body_of<EndTxnRequest>(f);
      end_commit = m.transactional_id == kTxnId && m.committed;
    } else if (f.api_key == JoinGroupRequest::api_key) {
      auto m = body_of<JoinGroupRequest>(f);
      join = m.group_id == kGroup && m.protocol_type == "consumer" && !m.protocols.empty();
    }
  }
  CHECK(produce_topics == std::set<std::string>{kTopic});
  CHECK(acks_all);
  CHECK(txn_produce);
  CHECK(init_txn);
  CHECK(add_partitions);
  CHECK(add_offsets);
  CHECK(txn_offsets);
  CHECK(end_commit);
  CHECK(join);
}
