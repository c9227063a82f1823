// Validation of the TxnBroker (tests/support/txn_broker.hpp) with librdkafka,
// a client we did not write, on both sides: librdkafka's transactional
// producer writes (commit, abort, send_offsets_to_transaction, fencing by a
// second producer with the same transactional id) and librdkafka's consumer
// reads back under read_committed and read_uncommitted; librdkafka's
// idempotent producer runs through lost acknowledgements. Before kwire's
// transactions are tested against this broker, these show the broker does
// what Kafka does.
#include <librdkafka/rdkafka.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "log_reader.hpp"
#include "txn_broker.hpp"

using kwire::test::Isolation;
using kwire::test::read_partition;
using kwire::test::TxnBroker;

namespace {

using Handle = std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)>;
constexpr int kTimeoutMs = 15000;

// Counts delivery reports and their errors (librdkafka's callback thread is
// the poll caller, i.e. the test thread).
struct Deliveries {
  int ok = 0;
  int failed = 0;
  std::string first_error;
};

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* d = static_cast<Deliveries*>(opaque);
  if (m->err) {
    if (d->failed++ == 0) d->first_error = rd_kafka_err2str(m->err);
  } else {
    ++d->ok;
  }
}

Handle make_producer(const std::string& bootstrap, const std::vector<std::pair<std::string, std::string>>& settings,
                     Deliveries* deliveries = nullptr) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& k, const std::string& v) {
    INFO(k << "=" << v);
    REQUIRE(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK);
  };
  set("bootstrap.servers", bootstrap);
  for (const auto& [k, v] : settings) set(k, v);
  if (deliveries) {
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, deliveries);
  }
  Handle rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err), &rd_kafka_destroy);
  INFO(err);
  REQUIRE(rk);
  return rk;
}

Handle transactional_producer(const std::string& bootstrap, const std::string& transactional_id) {
  return make_producer(bootstrap, {{"transactional.id", transactional_id}, {"linger.ms", "5"}});
}

// Runs a librdkafka transactional call; "" on success, else the error text.
std::string check(rd_kafka_error_t* error) {
  if (error == nullptr) return "";
  std::string text = rd_kafka_error_string(error);
  rd_kafka_error_destroy(error);
  return text;
}

void produce(rd_kafka_t* rk, const std::string& topic, std::int32_t partition, const std::string& value) {
  auto rc = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                              RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  REQUIRE(rc == RD_KAFKA_RESP_ERR_NO_ERROR);
}

std::vector<std::string> values_of(const kwire::test::ReadResult& r) {
  std::vector<std::string> out;
  for (const auto& rec : r.records) out.push_back(rec.value.value_or("<null>"));
  return out;
}

std::vector<std::string> numbered(const std::string& prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

std::vector<std::string> concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("TxnBroker with librdkafka: read_committed reads exactly the committed transactions",
          "[txn_broker][librdkafka]") {
  TxnBroker broker;
  const std::string topic = "txb-commit-abort";
  broker.create_topic(topic, 2);
  auto rk = transactional_producer(broker.bootstrap(), "txb-commit-abort-id");
  REQUIRE(check(rd_kafka_init_transactions(rk.get(), kTimeoutMs)) == "");

  // Three transactions across both partitions: committed, aborted, committed.
  const char* prefixes[] = {"committed-1-", "aborted-2-", "committed-3-"};
  for (int txn = 0; txn < 3; ++txn) {
    REQUIRE(check(rd_kafka_begin_transaction(rk.get())) == "");
    for (int i = 0; i < 10; ++i) produce(rk.get(), topic, i % 2, prefixes[txn] + std::to_string(i));
    if (txn == 1) {
      // The aborted records must reach the log first, so the abort has
      // something to hide (and the aborted index something to say).
      REQUIRE(rd_kafka_flush(rk.get(), kTimeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR);
      REQUIRE(check(rd_kafka_abort_transaction(rk.get(), kTimeoutMs)) == "");
    } else {
      REQUIRE(check(rd_kafka_commit_transaction(rk.get(), kTimeoutMs)) == "");
    }
  }

  for (std::int32_t p = 0; p < 2; ++p) {
    INFO("partition " << p);
    std::vector<std::string> committed, everything;
    for (int txn = 0; txn < 3; ++txn)
      for (int i = p; i < 10; i += 2) {
        everything.push_back(prefixes[txn] + std::to_string(i));
        if (txn != 1) committed.push_back(prefixes[txn] + std::to_string(i));
      }
    auto rc = read_partition(broker.bootstrap(), topic, p, Isolation::read_committed);
    REQUIRE(rc.error == "");
    CHECK(values_of(rc) == committed);
    auto ru = read_partition(broker.bootstrap(), topic, p, Isolation::read_uncommitted);
    REQUIRE(ru.error == "");
    CHECK(values_of(ru) == everything);
    // One marker per transaction; the aborted one in the aborted index.
    CHECK(broker.control_batches(topic, p) == 3);
    auto aborted = broker.aborted_transactions(topic, p);
    REQUIRE(aborted.size() == 1);
    CHECK(aborted[0].first_offset == 6);  // 5 committed records + 1 marker before it
    CHECK(aborted[0].last_offset == 11);  // its ABORT marker
    CHECK(broker.last_stable_offset(topic, p) == broker.high_watermark(topic, p));
  }
}

TEST_CASE("TxnBroker with librdkafka: an open transaction holds back read_committed at its first offset",
          "[txn_broker][librdkafka]") {
  TxnBroker broker;
  const std::string topic = "txb-open";
  broker.create_topic(topic, 1);
  auto rk = transactional_producer(broker.bootstrap(), "txb-open-id");
  REQUIRE(check(rd_kafka_init_transactions(rk.get(), kTimeoutMs)) == "");
  REQUIRE(check(rd_kafka_begin_transaction(rk.get())) == "");
  for (int i = 0; i < 4; ++i) produce(rk.get(), topic, 0, "first-" + std::to_string(i));
  REQUIRE(check(rd_kafka_commit_transaction(rk.get(), kTimeoutMs)) == "");
  REQUIRE(check(rd_kafka_begin_transaction(rk.get())) == "");
  for (int i = 0; i < 4; ++i) produce(rk.get(), topic, 0, "open-" + std::to_string(i));
  REQUIRE(rd_kafka_flush(rk.get(), kTimeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR);

  CHECK(broker.last_stable_offset(topic, 0) == 5);  // 4 records + the COMMIT marker
  CHECK(broker.high_watermark(topic, 0) == 9);
  auto rc = read_partition(broker.bootstrap(), topic, 0, Isolation::read_committed);
  REQUIRE(rc.error == "");
  CHECK(values_of(rc) == numbered("first-", 0, 4));
  auto ru = read_partition(broker.bootstrap(), topic, 0, Isolation::read_uncommitted);
  REQUIRE(ru.error == "");
  CHECK(values_of(ru) == concat(numbered("first-", 0, 4), numbered("open-", 0, 4)));

  REQUIRE(check(rd_kafka_commit_transaction(rk.get(), kTimeoutMs)) == "");
  auto after = read_partition(broker.bootstrap(), topic, 0, Isolation::read_committed);
  REQUIRE(after.error == "");
  CHECK(values_of(after) == concat(numbered("first-", 0, 4), numbered("open-", 0, 4)));
}

TEST_CASE("TxnBroker with librdkafka: send_offsets_to_transaction commits group offsets only on commit",
          "[txn_broker][librdkafka]") {
  TxnBroker broker;
  const std::string topic = "txb-offsets", input = "txb-offsets-input", group = "txb-offsets-group";
  broker.create_topic(topic, 1);
  broker.create_topic(input, 1);

  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  REQUIRE(rd_kafka_conf_set(conf, "bootstrap.servers", broker.bootstrap().c_str(), err, sizeof err) ==
          RD_KAFKA_CONF_OK);
  REQUIRE(rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK);
  REQUIRE(rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err) == RD_KAFKA_CONF_OK);
  // read_uncommitted: OffsetFetch without require_stable, so a pending offset reads as "none".
  REQUIRE(rd_kafka_conf_set(conf, "isolation.level", "read_uncommitted", err, sizeof err) == RD_KAFKA_CONF_OK);
  Handle consumer(rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err), &rd_kafka_destroy);
  REQUIRE(consumer);
  auto committed_now = [&]() -> std::int64_t {
    rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, input.c_str(), 0);
    auto rc = rd_kafka_committed(consumer.get(), parts, kTimeoutMs);
    std::int64_t offset = parts->elems[0].offset;
    auto perr = parts->elems[0].err;
    rd_kafka_topic_partition_list_destroy(parts);
    INFO(rd_kafka_err2str(rc) << " / " << rd_kafka_err2str(perr));
    REQUIRE(rc == RD_KAFKA_RESP_ERR_NO_ERROR);
    REQUIRE(perr == RD_KAFKA_RESP_ERR_NO_ERROR);
    return offset;
  };

  auto rk = transactional_producer(broker.bootstrap(), "txb-offsets-id");
  REQUIRE(check(rd_kafka_init_transactions(rk.get(), kTimeoutMs)) == "");
  auto send_offset = [&](std::int64_t offset) {
    rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(offsets, input.c_str(), 0)->offset = offset;
    rd_kafka_consumer_group_metadata_t* md = rd_kafka_consumer_group_metadata_new(group.c_str());
    auto text = check(rd_kafka_send_offsets_to_transaction(rk.get(), offsets, md, kTimeoutMs));
    rd_kafka_consumer_group_metadata_destroy(md);
    rd_kafka_topic_partition_list_destroy(offsets);
    return text;
  };

  // Aborted: the offset never becomes visible.
  REQUIRE(check(rd_kafka_begin_transaction(rk.get())) == "");
  produce(rk.get(), topic, 0, "aborted");
  REQUIRE(send_offset(17) == "");
  REQUIRE(check(rd_kafka_abort_transaction(rk.get(), kTimeoutMs)) == "");
  CHECK_FALSE(broker.committed_offset(group, input, 0).has_value());
  CHECK(committed_now() == RD_KAFKA_OFFSET_INVALID);

  // Committed: invisible until EndTxn, visible after.
  REQUIRE(check(rd_kafka_begin_transaction(rk.get())) == "");
  produce(rk.get(), topic, 0, "committed");
  REQUIRE(send_offset(42) == "");
  CHECK_FALSE(broker.committed_offset(group, input, 0).has_value());
  CHECK(committed_now() == RD_KAFKA_OFFSET_INVALID);
  REQUIRE(check(rd_kafka_commit_transaction(rk.get(), kTimeoutMs)) == "");
  CHECK(broker.committed_offset(group, input, 0) == std::optional<std::int64_t>(42));
  CHECK(committed_now() == 42);

  auto rc = read_partition(broker.bootstrap(), topic, 0, Isolation::read_committed);
  REQUIRE(rc.error == "");
  CHECK(values_of(rc) == std::vector<std::string>{"committed"});
  rd_kafka_consumer_close(consumer.get());
}

TEST_CASE("TxnBroker with librdkafka: a second producer with the same transactional id fences the first",
          "[txn_broker][librdkafka]") {
  TxnBroker broker;
  const std::string topic = "txb-fence", id = "txb-fence-id";
  broker.create_topic(topic, 1);
  auto first = transactional_producer(broker.bootstrap(), id);
  REQUIRE(check(rd_kafka_init_transactions(first.get(), kTimeoutMs)) == "");
  auto first_identity = broker.transactional_producer(id);
  REQUIRE(first_identity);
  REQUIRE(check(rd_kafka_begin_transaction(first.get())) == "");
  for (int i = 0; i < 5; ++i) produce(first.get(), topic, 0, "zombie-" + std::to_string(i));
  REQUIRE(rd_kafka_flush(first.get(), kTimeoutMs) == RD_KAFKA_RESP_ERR_NO_ERROR);

  // The new instance's InitProducerId aborts the zombie's open transaction.
  auto second = transactional_producer(broker.bootstrap(), id);
  REQUIRE(check(rd_kafka_init_transactions(second.get(), kTimeoutMs)) == "");
  auto second_identity = broker.transactional_producer(id);
  REQUIRE(second_identity);
  CHECK(second_identity->producer_id == first_identity->producer_id);
  CHECK(second_identity->epoch == first_identity->epoch + 1);
  REQUIRE(check(rd_kafka_begin_transaction(second.get())) == "");
  for (int i = 0; i < 5; ++i) produce(second.get(), topic, 0, "live-" + std::to_string(i));
  REQUIRE(check(rd_kafka_commit_transaction(second.get(), kTimeoutMs)) == "");

  // The zombie cannot commit: librdkafka reports a fatal, fenced error.
  rd_kafka_error_t* error = rd_kafka_commit_transaction(first.get(), kTimeoutMs);
  REQUIRE(error != nullptr);
  INFO(rd_kafka_error_string(error));
  CHECK(rd_kafka_error_is_fatal(error));
  rd_kafka_error_destroy(error);
  char reason[512];
  auto fatal = rd_kafka_fatal_error(first.get(), reason, sizeof reason);
  INFO(reason);
  CHECK(fatal == RD_KAFKA_RESP_ERR__FENCED);

  auto rc = read_partition(broker.bootstrap(), topic, 0, Isolation::read_committed);
  REQUIRE(rc.error == "");
  CHECK(values_of(rc) == numbered("live-", 0, 5));
  auto ru = read_partition(broker.bootstrap(), topic, 0, Isolation::read_uncommitted);
  REQUIRE(ru.error == "");
  CHECK(values_of(ru) == concat(numbered("zombie-", 0, 5), numbered("live-", 0, 5)));
  CHECK(broker.control_batches(topic, 0) == 2);  // the fencing ABORT, then the COMMIT
  REQUIRE(broker.aborted_transactions(topic, 0).size() == 1);
  CHECK(broker.aborted_transactions(topic, 0)[0].first_offset == 0);
}

namespace {

// librdkafka's idempotent producer sends 200 records while the broker writes
// but does not acknowledge the next `dropped` Produce requests: librdkafka
// must resend those batches, and the broker's sequence checks must recognise
// the resends as duplicates, so the log holds each record exactly once.
void run_lost_acks(const std::string& topic, int dropped, bool close_connection,
                   std::vector<std::pair<std::string, std::string>> settings) {
  TxnBroker broker;
  broker.create_topic(topic, 1);
  Deliveries deliveries;
  settings.insert(settings.end(),
                  {{"enable.idempotence", "true"}, {"linger.ms", "2"}, {"batch.num.messages", "10"}});
  auto rk = make_producer(broker.bootstrap(), settings, &deliveries);
  broker.drop_next_produce_responses(dropped, close_connection);
  const int count = 200;
  for (int i = 0; i < count; ++i) {
    produce(rk.get(), topic, 0, "idempotent-" + std::to_string(i));
    if (i % 20 == 19) rd_kafka_poll(rk.get(), 5);
  }
  REQUIRE(rd_kafka_flush(rk.get(), 30000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  INFO("first delivery error: " << deliveries.first_error);
  CHECK(deliveries.failed == 0);
  CHECK(deliveries.ok == count);
  CHECK(broker.produce_responses_dropped() == dropped);
  CHECK(broker.duplicate_batches_seen() >= 1);  // the resends reached the broker
  CHECK(broker.high_watermark(topic, 0) == count);

  auto read = read_partition(broker.bootstrap(), topic, 0, Isolation::read_uncommitted);
  REQUIRE(read.error == "");
  CHECK(values_of(read) == numbered("idempotent-", 0, count));
}

}  // namespace

TEST_CASE("TxnBroker with librdkafka: acknowledgements lost with the connection leave no duplicates",
          "[txn_broker][librdkafka]") {
  run_lost_acks("txb-lost-acks-closed", 3, true, {});
}

TEST_CASE("TxnBroker with librdkafka: acknowledgements that never come (request timeout) leave no duplicates",
          "[txn_broker][librdkafka]") {
  // librdkafka times a request out after socket.timeout.ms, then resends.
  run_lost_acks("txb-lost-acks-timeout", 1, false, {{"request.timeout.ms", "1000"}, {"socket.timeout.ms", "1000"}});
}
