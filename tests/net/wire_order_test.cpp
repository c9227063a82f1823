// Order on the wire: a request's deadline starts at its write, a request
// cancelled while queued never lets a later one be written past it, and
// callers waiting for a reconnect are served in the order they asked. Against
// OrderRecordingPeer (a peer of ours that records what it received, in
// order, and can stall its reads) and librdkafka's mock cluster (its log,
// read back with librdkafka, shows the order batches arrived in).
#include <catch2/catch.hpp>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>

#include <map>
#include <string>
#include <vector>

#include "kwire/net/connection_pool.hpp"
#include "kwire/protocol/messages/metadata_request.hpp"
#include "kwire/protocol/messages/metadata_response.hpp"
#include "kwire/protocol/messages/produce_request.hpp"
#include "kwire/protocol/messages/produce_response.hpp"
#include "kwire/protocol/records/batch_builder.hpp"
#include "log_reader.hpp"
#include "mock_cluster.hpp"
#include "net_test_util.hpp"
#include "order_recording_peer.hpp"
#include "txn_wire.hpp"

using namespace std::chrono_literals;
namespace messages = kwire::protocol::messages;
using kwire::net::BrokerConnection;
using kwire::net::ConnectionPool;
using kwire::net::kFirstBootstrapId;
using kwire::net::net_errc;
using kwire::net::OutgoingFrame;
using kwire::test::OrderRecordingPeer;
using kwire::test::run_coroutine;

using kwire::test::run_until;

namespace {

// A Metadata v0 request whose first topic is `tag` (the peer records it);
// `filler_topics` more topics of 32000 bytes each make it big enough to
// stall on a socket whose peer does not read.
OutgoingFrame tagged_request(BrokerConnection& conn, const std::string& tag, int filler_topics = 0) {
  OutgoingFrame frame = conn.begin_request(messages::MetadataRequest::api_key, 0, false);
  frame.writer.i32(1 + filler_topics);
  frame.writer.string(tag);
  const std::string filler(32000, 'f');
  for (int i = 0; i < filler_topics; ++i) frame.writer.string(filler);
  REQUIRE(!kwire::net::finish_request(frame));
  return frame;
}
constexpr int kStallingFillers = 1300;  // ~41 MB: far above loopback socket buffers

std::shared_ptr<BrokerConnection> connect_to(asio::io_context& io, const OrderRecordingPeer& peer) {
  auto conn = BrokerConnection::create(io.get_executor(), kwire::test::test_config(), nullptr, 1, "127.0.0.1",
                                       peer.port());
  auto ec = run_coroutine(io, conn->open());
  INFO(ec.message() << " / " << conn->failure_detail());
  REQUIRE(!ec);
  return conn;
}

struct Outcomes {
  std::map<std::string, std::error_code> errors;  // by tag, once finished
  std::map<std::string, bool> written;             // SendOptions::written, by tag
  bool finished(const std::string& tag) const { return errors.count(tag) > 0; }
};

asio::awaitable<void> send_tagged(std::shared_ptr<BrokerConnection> conn, OutgoingFrame frame, std::string tag,
                                  std::chrono::milliseconds timeout, Outcomes& out) {
  bool written = true;  // send_frame must set it either way
  auto [ec, raw] = co_await conn->send_frame(std::move(frame), true, {std::nullopt, timeout, &written});
  out.errors[tag] = ec;
  out.written[tag] = written;
}

// Runs every handler that is ready, without waiting for timers or sockets.
void run_ready(asio::io_context& io) {
  io.restart();
  while (io.poll() > 0) io.restart();
}

}  // namespace

TEST_CASE("order: a request queued behind a stalled write does not time out before it is written",
          "[net][order]") {
  OrderRecordingPeer peer;
  asio::io_context io;
  auto conn = connect_to(io, peer);
  peer.pause_reading();
  Outcomes out;
  asio::co_spawn(io, send_tagged(conn, tagged_request(*conn, "big", kStallingFillers), "big", 20s, out), asio::detached);
  asio::co_spawn(io, send_tagged(conn, tagged_request(*conn, "short"), "short", 200ms, out), asio::detached);
  asio::co_spawn(io, send_tagged(conn, tagged_request(*conn, "third"), "third", 20s, out), asio::detached);
  // Four times the short request's timeout pass while it waits behind the
  // stalled write: it has not been written, so it has not timed out.
  io.restart();
  io.run_for(800ms);
  CHECK(out.errors.empty());
  peer.resume_reading();
  REQUIRE(run_until(io, [&] { return out.errors.size() == 3; }));
  CHECK(!out.errors["big"]);
  CHECK(!out.errors["short"]);
  CHECK(!out.errors["third"]);
  CHECK(peer.received_tags() == std::vector<std::string>{"big", "short", "third"});
  conn->close();
  kwire::test::drain(io);
}

TEST_CASE("order: a write that stalls past its deadline closes the connection; requests queued behind it "
          "fail unwritten", "[net][order]") {
  OrderRecordingPeer peer;
  asio::io_context io;
  auto conn = connect_to(io, peer);
  peer.pause_reading();
  Outcomes out;
  asio::co_spawn(io, send_tagged(conn, tagged_request(*conn, "big", kStallingFillers), "big", 300ms, out),
                 asio::detached);
  asio::co_spawn(io, send_tagged(conn, tagged_request(*conn, "queued"), "queued", 20s, out), asio::detached);
  REQUIRE(run_until(io, [&] { return out.errors.size() == 2; }, 10s));
  CHECK(out.errors["big"] == net_errc::request_timed_out);
  CHECK(out.written["big"]);
  CHECK(out.errors["queued"] == net_errc::connection_closed);  // never sent: not a timeout
  CHECK(!out.written["queued"]);
  CHECK(conn->closed());
  peer.resume_reading();
  kwire::test::drain(io);
}

TEST_CASE("order: a written request still times out, and its late answer is dropped", "[net][order]") {
  OrderRecordingPeer peer;
  asio::io_context io;
  auto conn = connect_to(io, peer);
  peer.pause_reading();
  // Small enough to be written at once into the socket buffers: the peer
  // does not read it, so it is never answered and times out.
  Outcomes out;
  asio::co_spawn(io, send_tagged(conn, tagged_request(*conn, "unanswered"), "unanswered", 150ms, out), asio::detached);
  REQUIRE(run_until(io, [&] { return out.finished("unanswered"); }, 10s));
  CHECK(out.errors["unanswered"] == net_errc::request_timed_out);
  peer.resume_reading();
  asio::co_spawn(io, send_tagged(conn, tagged_request(*conn, "next"), "next", 10s, out), asio::detached);
  REQUIRE(run_until(io, [&] { return out.finished("next"); }));
  CHECK(!out.errors["next"]);
  CHECK(peer.received_tags() == std::vector<std::string>{"unanswered", "next"});
  CHECK(conn->ready());
  conn->close();
  kwire::test::drain(io);
}

TEST_CASE("order: a request cancelled while queued withdraws those behind it; none is written past it",
          "[net][order]") {
  OrderRecordingPeer peer;
  asio::io_context io;
  auto conn = connect_to(io, peer);
  peer.pause_reading();
  Outcomes out;
  asio::cancellation_signal cancel_second;
  asio::co_spawn(io, send_tagged(conn, tagged_request(*conn, "big", kStallingFillers), "big", 20s, out), asio::detached);
  asio::co_spawn(io, send_tagged(conn, tagged_request(*conn, "second"), "second", 20s, out),
                 asio::bind_cancellation_slot(cancel_second.slot(), asio::detached));
  asio::co_spawn(io, send_tagged(conn, tagged_request(*conn, "third"), "third", 20s, out), asio::detached);
  run_ready(io);  // "big" is being written (stalled); "second" and "third" wait in the queue
  REQUIRE(out.errors.empty());
  cancel_second.emit(asio::cancellation_type::terminal);
  REQUIRE(run_until(io, [&] { return out.finished("second") && out.finished("third"); }, 10s));
  CHECK(out.errors["second"] == net_errc::cancelled);
  CHECK(out.errors["third"] == net_errc::request_withdrawn);
  CHECK(!out.written["second"]);
  CHECK(!out.written["third"]);
  CHECK(kwire::net::is_retriable_net_error(out.errors["third"]));
  CHECK(!out.finished("big"));
  CHECK(conn->ready());

  peer.resume_reading();
  asio::co_spawn(io, send_tagged(conn, tagged_request(*conn, "fourth"), "fourth", 20s, out), asio::detached);
  REQUIRE(run_until(io, [&] { return out.finished("big") && out.finished("fourth"); }));
  CHECK(!out.errors["big"]);
  CHECK(!out.errors["fourth"]);
  CHECK(out.written["big"]);
  CHECK(peer.received_tags() == std::vector<std::string>{"big", "fourth"});
  conn->close();
  kwire::test::drain(io);
}

TEST_CASE("order: a request cancelled after its write is reported as such, and the connection goes on",
          "[net][order]") {
  OrderRecordingPeer peer;
  asio::io_context io;
  auto conn = connect_to(io, peer);
  peer.pause_reading();
  Outcomes out;
  asio::cancellation_signal cancel;
  asio::co_spawn(io, send_tagged(conn, tagged_request(*conn, "written"), "written", 20s, out),
                 asio::bind_cancellation_slot(cancel.slot(), asio::detached));
  asio::co_spawn(io, send_tagged(conn, tagged_request(*conn, "after"), "after", 20s, out), asio::detached);
  run_ready(io);  // both small: written together into the socket buffers
  cancel.emit(asio::cancellation_type::terminal);
  REQUIRE(run_until(io, [&] { return out.finished("written"); }, 10s));
  CHECK(out.errors["written"] == net_errc::cancelled_in_flight);
  CHECK(out.written["written"]);
  peer.resume_reading();
  REQUIRE(run_until(io, [&] { return out.finished("after"); }));
  CHECK(!out.errors["after"]);
  CHECK(peer.received_tags() == std::vector<std::string>{"written", "after"});
  conn->close();
  kwire::test::drain(io);
}

namespace {

messages::MetadataRequest tagged_metadata(const std::string& tag) {
  messages::MetadataRequest request;
  request.topics.emplace();
  messages::MetadataRequest::MetadataRequestTopic topic;
  topic.name = tag;
  request.topics->push_back(topic);
  return request;
}

// A pool whose one connection was just lost: every caller now waits for the
// reconnect backoff.
std::shared_ptr<ConnectionPool> pool_after_loss(asio::io_context& io, const std::string& bootstrap,
                                                const std::function<void()>& drop) {
  kwire::net::NetConfig config = *kwire::test::test_config();
  config.bootstrap_servers = {bootstrap};
  config.reconnect_backoff = 300ms;
  config.reconnect_backoff_max = 300ms;
  auto pool = ConnectionPool::create(io.get_executor(), config);
  auto [ec, conn] = run_coroutine(io, pool->connection(kFirstBootstrapId));
  REQUIRE(!ec);
  bool lost = false;
  pool->set_connection_lost_handler([&lost](std::int32_t, std::error_code) { lost = true; });
  drop();
  REQUIRE(run_until(io, [&] { return lost; }, 10s));
  pool->set_connection_lost_handler({});
  return pool;
}

}  // namespace

TEST_CASE("order: callers waiting for a reconnect are served in the order they asked", "[net][order][pool]") {
  OrderRecordingPeer peer;
  asio::io_context io;
  auto pool = pool_after_loss(io, peer.bootstrap(), [&] { peer.drop_connections(); });
  constexpr int kCallers = 16;
  std::vector<std::string> expected;
  std::map<std::string, std::error_code> errors;
  for (int i = 0; i < kCallers; ++i) {
    std::string tag = "r" + std::to_string(i);
    expected.push_back(tag);
    asio::co_spawn(io, [&, tag]() -> asio::awaitable<void> {
      auto [ec, response] = co_await pool->send<messages::MetadataResponse>(kFirstBootstrapId, tagged_metadata(tag));
      errors[tag] = ec;
    }, asio::detached);
  }
  REQUIRE(run_until(io, [&] { return errors.size() == kCallers; }));
  for (const auto& [tag, ec] : errors) CHECK(!ec);
  CHECK(peer.received_tags() == expected);
  CHECK(peer.connections() == 2);
  pool->shutdown();
  kwire::test::drain(io);
}

namespace {

std::vector<std::uint8_t> one_record_batch(const std::string& value) {
  kwire::protocol::records::BatchBuilder builder({}, SIZE_MAX, 1700000000000);
  REQUIRE(builder.append(1700000000000, std::nullopt, kwire::protocol::as_bytes(value)));
  REQUIRE(!builder.close().empty());
  return builder.take_buffer();
}

}  // namespace

TEST_CASE("order: batches sent while waiting for a reconnect land in the mock's log in call order",
          "[net][order][pool][mock]") {
  kwire::test::MockCluster cluster(1);
  cluster.create_topic("order", 1, 1);
  asio::io_context io;
  auto pool = pool_after_loss(io, cluster.bootstrap(), [&] {
    cluster.broker_down(1);
    cluster.broker_up(1);
  });
  constexpr int kCallers = 16;
  std::vector<std::vector<std::uint8_t>> batches;
  std::vector<std::string> expected;
  for (int i = 0; i < kCallers; ++i) {
    expected.push_back("v" + std::to_string(i));
    batches.push_back(one_record_batch(expected.back()));
  }
  std::map<int, std::error_code> errors;
  std::map<int, std::int16_t> broker_errors;
  for (int i = 0; i < kCallers; ++i) {
    asio::co_spawn(io, [&, i]() -> asio::awaitable<void> {
      auto request = kwire::test::wire::produce_request("order", 0, batches[static_cast<std::size_t>(i)]);
      auto [ec, response] = co_await pool->send<messages::ProduceResponse>(kFirstBootstrapId, request);
      if (!ec) broker_errors[i] = response.body.responses.at(0).partition_responses.at(0).error_code;
      errors[i] = ec;
    }, asio::detached);
  }
  REQUIRE(run_until(io, [&] { return errors.size() == kCallers; }));
  for (const auto& [i, ec] : errors) CHECK(!ec);
  for (const auto& [i, code] : broker_errors) CHECK(code == 0);
  pool->shutdown();
  kwire::test::drain(io);

  auto read = kwire::test::read_partition(cluster.bootstrap(), "order", 0);
  REQUIRE(read.error.empty());
  std::vector<std::string> values;
  for (const auto& r : read.records) values.push_back(r.value.value_or(""));
  CHECK(values == expected);
}
