// `kwire wire check` on real traffic captured on loopback with dumpcap during
// the test (loopback_capture.hpp): kwire's demo, kwire's transactional
// producer, librdkafka and kafka-python, against librdkafka's mock cluster
// and against the TxnBroker. Every frame must decode and re-encode byte for
// byte, with no violation, except one the mock is known to commit: its
// answer to ApiVersions v3 (UNSUPPORTED_VERSION, which KIP-511 says is shaped
// as v0) holds an array length that fits neither v0 nor v3. Tests skip with
// a message where capturing is impossible.
#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "kwire/producer.hpp"
#include "loopback_capture.hpp"
#include "mock_cluster.hpp"
#include "run_tool.hpp"
#include "txn_broker.hpp"
#include "wire_check_run.hpp"

using namespace std::chrono_literals;
using kwire::test::CheckRun;
using kwire::tool::Json;

namespace {

std::vector<std::uint16_t> ports_of(const std::string& bootstrap) {
  std::vector<std::uint16_t> out;
  std::size_t at = 0;
  while (at < bootstrap.size()) {
    const std::size_t comma = std::min(bootstrap.find(',', at), bootstrap.size());
    const std::string one = bootstrap.substr(at, comma - at);
    out.push_back(static_cast<std::uint16_t>(std::stoi(one.substr(one.rfind(':') + 1))));
    at = comma + 1;
  }
  return out;
}

std::string port_list(const std::vector<std::uint16_t>& ports) {
  std::string out;
  for (auto p : ports) out += (out.empty() ? "" : ",") + std::to_string(p);
  return out;
}

// Captures the traffic `run` makes to `bootstrap`'s ports and checks it.
// False when capture is impossible here (the test then skips).
bool capture_and_check(const std::string& name, const std::string& bootstrap, const std::function<void()>& run,
                       CheckRun& out) {
  const std::string path = "/tmp/kwire-capture-" + name + "-" + std::to_string(getpid()) + ".pcapng";
  kwire::test::LoopbackCapture capture(path);
  const auto ports = ports_of(bootstrap);
  if (!capture.start(ports)) {
    WARN("capture on lo impossible here, test skipped: " << capture.why());
    return false;
  }
  run();
  REQUIRE(capture.stop());
  out = kwire::test::check_capture_file(path, {"--port", port_list(ports)});
  std::remove(path.c_str());
  return true;
}

// The mock's answer to ApiVersions v3 (see the file comment).
bool mock_api_versions_answer(const Json& line, const Json& violation) {
  return line.find("api_key")->as_int() == 18 && line.find("api_version")->as_int() == 3 &&
         line.find("direction")->as_string() == "response" &&
         violation.find("kind")->as_string() == "invalid_length" &&
         violation.find("path")->as_string() == "ApiVersionsResponse.ApiKeys";
}

// Every frame decoded and identical, and no violation but the allowed ones.
void expect_conforming(const CheckRun& r, const std::function<bool(const Json&, const Json&)>& allowed,
                       const std::set<std::int64_t>& must_see_apis) {
  std::size_t excused = 0;
  for (const auto& [line, v] : r.violations) {
    INFO(line->dump(0));
    if (allowed && allowed(*line, *v)) {
      ++excused;
      continue;
    }
    FAIL_CHECK("violation: " << v->dump(0));
  }
  std::set<std::int64_t> seen;
  std::size_t excused_frames = 0;
  for (const auto& f : r.frames) {
    seen.insert(f.find("api_key")->as_int());
    if (!f.find("violations")->items().empty()) {
      ++excused_frames;
      continue;
    }
    INFO(f.dump(0));
    CHECK(f.find("decoded")->as_bool());
    CHECK(f.find("identical")->as_bool());
  }
  CHECK(excused_frames == excused);
  CHECK(r.frames.size() > excused);
  for (auto key : must_see_apis) {
    INFO("API " << key);
    CHECK(seen.count(key) == 1);
  }
}

std::string librdkafka_produce(const std::string& bootstrap, const std::string& topic, int count,
                               const std::string& transactional_id = "") {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof err);
  if (!transactional_id.empty()) rd_kafka_conf_set(conf, "transactional.id", transactional_id.c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) return err;
  std::string failure;
  auto check = [&](rd_kafka_error_t* e) {
    if (e && failure.empty()) failure = rd_kafka_error_string(e);
    if (e) rd_kafka_error_destroy(e);
  };
  if (!transactional_id.empty()) {
    check(rd_kafka_init_transactions(rk, 10000));
    check(rd_kafka_begin_transaction(rk));
  }
  for (int i = 0; i < count && failure.empty(); ++i) {
    std::string value = "librdkafka-" + std::to_string(i);
    if (rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_VALUE(value.data(), value.size()),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) != RD_KAFKA_RESP_ERR_NO_ERROR)
      failure = "produce failed";
  }
  if (!transactional_id.empty() && failure.empty()) check(rd_kafka_commit_transaction(rk, 10000));
  if (failure.empty() && rd_kafka_flush(rk, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) failure = "flush timed out";
  rd_kafka_destroy(rk);
  return failure;
}

// kafka-python (Debian's, under /usr/bin/python3) sends `count` records and flushes.
int kafka_python_produce(const std::string& bootstrap, const std::string& topic, int count) {
  const std::string script =
      "import sys\nfrom kafka import KafkaProducer\n"
      "p = KafkaProducer(bootstrap_servers=sys.argv[1].split(','), acks='all')\n"
      "for i in range(int(sys.argv[3])):\n    p.send(sys.argv[2], ('kafka-python-%d' % i).encode())\n"
      "p.flush(timeout=20)\np.close()\n";
  const std::string path = "/tmp/kwire-kafka-python-" + std::to_string(getpid()) + ".py";
  FILE* f = std::fopen(path.c_str(), "w");
  REQUIRE(f != nullptr);
  std::fputs(script.c_str(), f);
  std::fclose(f);
  const int status = std::system(("/usr/bin/python3 " + path + " " + bootstrap + " " + topic + " " +
                                  std::to_string(count) + " >/dev/null 2>&1")
                                     .c_str());
  std::remove(path.c_str());
  return status;
}

constexpr std::int64_t kProduce = 0, kFetch = 1, kMetadata = 3, kFindCoordinator = 10, kApiVersions = 18,
                       kInitProducerId = 22, kAddPartitionsToTxn = 24, kEndTxn = 26;

}  // namespace

TEST_CASE("captured: kwire demo against librdkafka's mock: kwire's frames conform", "[tools][wire][capture][mock]") {
  kwire::test::MockCluster cluster(3);
  CheckRun r;
  if (!capture_and_check("demo-mock", cluster.bootstrap(), [&] {
        auto demo = kwire::test::run_tool({"demo", "-b", cluster.bootstrap(), "-n", "500", "-s", "100"});
        INFO(demo.out << demo.err);
        REQUIRE(demo.exit_code == 0);
      }, r)) {
    SUCCEED();
    return;
  }
  expect_conforming(r, mock_api_versions_answer, {kProduce, kFetch, kMetadata, kApiVersions, kInitProducerId});
}

TEST_CASE("captured: kwire demo against the TxnBroker: zero violations, every frame identical",
          "[tools][wire][capture]") {
  kwire::test::TxnBroker broker;
  CheckRun r;
  if (!capture_and_check("demo-txn-broker", broker.bootstrap(), [&] {
        auto demo = kwire::test::run_tool({"demo", "-b", broker.bootstrap(), "-n", "500", "-s", "100"});
        INFO(demo.out << demo.err);
        REQUIRE(demo.exit_code == 0);
      }, r)) {
    SUCCEED();
    return;
  }
  CHECK(r.exit_code == 0);
  CHECK(r.summary.find("violations")->as_int() == 0);
  CHECK(r.summary.find("identical")->as_int() == r.summary.find("frames")->as_int());
  expect_conforming(r, nullptr, {kProduce, kFetch, kMetadata, kApiVersions, kInitProducerId});
}

TEST_CASE("captured: kwire's transactional producer against the TxnBroker", "[tools][wire][capture]") {
  kwire::test::TxnBroker broker;
  broker.create_topic("captured-txn", 2);
  CheckRun r;
  if (!capture_and_check("txn-kwire", broker.bootstrap(), [&] {
        kwire::Producer producer(
            kwire::Properties{{"bootstrap.servers", broker.bootstrap()}, {"transactional.id", "captured"}});
        kwire::ConsumerGroupMetadata group;
        group.group_id = "captured-group";
        REQUIRE(producer.init_transactions(10s) == std::error_code());
        const std::string value = "value";
        for (int t = 0; t < 2; ++t) {
          REQUIRE(producer.begin_transaction() == std::error_code());
          for (int i = 0; i < 20; ++i) {
            kwire::Record record;
            record.topic = "captured-txn";
            record.partition = i % 2;
            record.value = kwire::as_bytes(value);
            REQUIRE(producer.send(record, [](std::error_code, kwire::RecordMetadata) {}) == std::error_code());
          }
          REQUIRE(producer.send_offsets_to_transaction({{"in", 0, 10 + t, std::nullopt, -1}},
                                                       group, 10s) ==
                  std::error_code());
          REQUIRE((t == 0 ? producer.commit_transaction(10s) : producer.abort_transaction(10s)) == std::error_code());
        }
        producer.close(10s);
      }, r)) {
    SUCCEED();
    return;
  }
  expect_conforming(r, nullptr, {kProduce, kMetadata, kFindCoordinator, kInitProducerId, kAddPartitionsToTxn, kEndTxn,
                                 25 /* AddOffsetsToTxn */, 28 /* TxnOffsetCommit */});
}

TEST_CASE("captured: librdkafka against the mock and the TxnBroker", "[tools][wire][capture][mock]") {
  {
    kwire::test::MockCluster cluster(1);
    CheckRun r;
    if (!capture_and_check("librdkafka-mock", cluster.bootstrap(),
                           [&] { REQUIRE(librdkafka_produce(cluster.bootstrap(), "captured", 200).empty()); }, r)) {
      SUCCEED();
      return;
    }
    expect_conforming(r, mock_api_versions_answer, {kProduce, kMetadata, kApiVersions, kInitProducerId});
  }
  kwire::test::TxnBroker broker;
  broker.create_topic("captured", 1);
  CheckRun r;
  REQUIRE(capture_and_check("librdkafka-txn", broker.bootstrap(), [&] {
    REQUIRE(librdkafka_produce(broker.bootstrap(), "captured", 200, "captured-librdkafka").empty());
  }, r));
  expect_conforming(r, nullptr, {kProduce, kMetadata, kFindCoordinator, kInitProducerId, kAddPartitionsToTxn, kEndTxn});
}

TEST_CASE("captured: kafka-python against the mock and the TxnBroker", "[tools][wire][capture][mock]") {
  if (std::system("/usr/bin/python3 -c 'import kafka' >/dev/null 2>&1") != 0) {
    WARN("kafka-python is not installed for /usr/bin/python3 (tools/setup.sh installs it): test skipped");
    SUCCEED();
    return;
  }
  {
    kwire::test::MockCluster cluster(1);
    CheckRun r;
    if (!capture_and_check("kafka-python-mock", cluster.bootstrap(),
                           [&] { REQUIRE(kafka_python_produce(cluster.bootstrap(), "captured", 100) == 0); }, r)) {
      SUCCEED();
      return;
    }
    expect_conforming(r, nullptr, {kProduce, kMetadata, kApiVersions});
  }
  kwire::test::TxnBroker broker;
  CheckRun r;
  REQUIRE(capture_and_check("kafka-python-txn", broker.bootstrap(),
                            [&] { REQUIRE(kafka_python_produce(broker.bootstrap(), "captured", 100) == 0); }, r));
  expect_conforming(r, nullptr, {kProduce, kMetadata, kApiVersions});
}
