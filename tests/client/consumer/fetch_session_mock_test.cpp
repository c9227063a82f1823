// KIP-227 fetch sessions: what librdkafka's mock cluster (2.0.2) can show.
// A Fetch v11 asking for a new session (session id 0, epoch 0, as Kafka's
// clients do) gets an answer with session id 0: the mock opens no session,
// which a client must take as "no session, keep sending full requests". So
// incremental fetches cannot be shown against it: kwire's consumer asks for a
// session with every Fetch (0, 0, as Java's does) and, answered 0, sends full
// requests, which the mock serves; sessions are shown against the TxnBroker
// (consumer_fetch_session_test.cpp). If this test starts failing, the mock
// opens sessions and KIP-227 can be tested against it too.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kwire/protocol/messages/fetch_request.hpp"
#include "kwire/protocol/messages/fetch_response.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"
#include "mock_cluster.hpp"
#include "raw_client.hpp"
#include "rdkafka_producer.hpp"

namespace msg = kwire::protocol::messages;

TEST_CASE("librdkafka's mock opens no fetch session (KIP-227 cannot be shown against it)", "[consumer][mock]") {
  kwire::test::MockCluster cluster(1, {{"sessions", 1}});
  {
    kwire::test::RdkafkaProducer producer(cluster.bootstrap(), {{"linger.ms", "0"}});
    producer.write("sessions", 0, kwire::test::varied_records(5));
  }
  constexpr std::int16_t kFetch = 1;
  constexpr std::int16_t kVersion = 11;  // the mock's newest; sessions exist from v7
  msg::FetchRequest req;
  req.replica_id = -1;
  req.max_wait_ms = 100;
  req.min_bytes = 1;
  req.max_bytes = 1 << 20;
  req.session_id = 0;
  req.session_epoch = 0;  // INITIAL: "open a session for these partitions"
  req.topics.emplace_back();
  req.topics.back().topic = "sessions";
  msg::FetchRequest::FetchTopic::FetchPartition p;
  p.partition = 0;
  p.fetch_offset = 0;
  p.partition_max_bytes = 1 << 20;
  req.topics.back().partitions.push_back(p);
  kwire::protocol::Writer w;
  req.encode(w, kVersion);
  kwire::test::RawClient client(cluster.first_host(), cluster.first_port());
  client.send_frame(kwire::test::request_v1(kFetch, kVersion, 7, "kwire-session-probe", w.release()));
  const auto frame = client.recv_frame();
  kwire::protocol::Reader r(frame);
  REQUIRE(r.i32() == 7);  // response header v0
  msg::FetchResponse resp;
  REQUIRE(!resp.decode(r, kVersion));
  CHECK(resp.error_code == 0);
  CHECK(resp.session_id == 0);  // no session opened
  REQUIRE(resp.responses.size() == 1);
  REQUIRE(resp.responses[0].partitions.size() == 1);
  const auto& part = resp.responses[0].partitions[0];
  CHECK(part.error_code == 0);
  CHECK(part.high_watermark == 5);
  REQUIRE(part.records);
  CHECK(!part.records->empty());  // a full answer, as without sessions
}
