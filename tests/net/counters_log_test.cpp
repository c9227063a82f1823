// The logging hook and the counters a user can read, against the mock.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kwire/net/broker_connection.hpp"
#include "mock_cluster.hpp"
#include "net_test_util.hpp"

using namespace std::chrono_literals;
using kwire::net::BrokerConnection;
using kwire::net::LogLevel;
using kwire::test::MockCluster;
using kwire::test::run_coroutine;

TEST_CASE("counters count requests, bytes, round trips, timeouts and disconnects", "[net][mock][counters]") {
  MockCluster cluster(1);
  asio::io_context io;
  auto counters = std::make_shared<kwire::net::NetCounters>();
  auto conn = BrokerConnection::create(io.get_executor(), kwire::test::test_config(), counters, 1,
                                       cluster.first_host(), cluster.first_port());
  REQUIRE(!run_coroutine(io, conn->open()));
  const auto after_open = counters->snapshot();
  CHECK(after_open.requests_sent == after_open.responses_received);  // the ApiVersions exchange(s)
  CHECK(after_open.requests_sent >= 2);                              // v3 refused, then v0

  std::size_t frame_bytes = 0;
  for (int i = 0; i < 5; ++i) {
    auto frame = kwire::test::api_versions_v0(*conn);
    frame_bytes += frame.writer.size();
    auto [ec, raw] = run_coroutine(io, conn->send_frame(std::move(frame), true));
    REQUIRE(!ec);
  }
  auto s = counters->snapshot();
  CHECK(s.requests_sent == after_open.requests_sent + 5);
  CHECK(s.responses_received == after_open.responses_received + 5);
  CHECK(s.bytes_sent == after_open.bytes_sent + frame_bytes);
  CHECK(s.bytes_received > after_open.bytes_received);
  CHECK(s.rtt_samples == s.responses_received);
  CHECK(s.rtt_max_us >= static_cast<std::uint64_t>(s.rtt_mean().count()));

  cluster.set_rtt(1, 300ms);
  auto [slow_ec, slow] = run_coroutine(io, conn->send_frame(kwire::test::api_versions_v0(*conn), true, {{}, 50ms}));
  CHECK(slow_ec == kwire::net::net_errc::request_timed_out);
  s = counters->snapshot();
  CHECK(s.request_timeouts == 1);
  CHECK(s.request_errors == 1);
  conn->close();
  CHECK(counters->snapshot().disconnects == 1);
  kwire::test::drain(io);
}

TEST_CASE("the log hook receives messages at or above its level only", "[net][mock][log]") {
  MockCluster cluster(1);
  asio::io_context io;
  std::vector<std::pair<LogLevel, std::string>> lines;
  auto config = kwire::test::test_config();
  config->log.level = LogLevel::info;
  config->log.callback = [&](LogLevel level, std::string_view message) { lines.emplace_back(level, message); };
  auto conn = BrokerConnection::create(io.get_executor(), config, nullptr, 1, cluster.first_host(),
                                       cluster.first_port());
  REQUIRE(!run_coroutine(io, conn->open()));
  conn->close();
  kwire::test::drain(io);
  bool connected = false, closed = false;
  for (auto& [level, text] : lines) {
    CHECK(level >= LogLevel::info);  // the ApiVersions fallback is logged at debug: filtered out
    connected |= level == LogLevel::info && text.find("connected") != std::string::npos;
    closed |= level == LogLevel::warning && text.find("closed") != std::string::npos;
  }
  CHECK(connected);
  CHECK(closed);
}
