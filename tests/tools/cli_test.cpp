// End-to-end tests of the kwire command-line tool, run as a child process
// against librdkafka's mock cluster: produce then consume (counts and
// contents match), the demo, bad flags, an unreachable broker (bounded
// wait), an unknown topic, and the embedded cluster when no -b is given.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <sstream>

#include "mock_cluster.hpp"
#include "run_tool_impl.hpp"
#include "../../tools/kwire/wire/json.hpp"

using kwire::test::MockCluster;
using kwire::test::run_tool;

using kwire::test::lines_of;

namespace {

// A loopback port nobody listens on: bound, then closed.
std::string closed_port_address() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
}

}  // namespace

TEST_CASE("kwire produce then kwire consume: counts and contents match", "[tools][mock]") {
  MockCluster cluster(1, {{"cli-roundtrip", 3}});
  std::string input;
  std::vector<std::string> sent;
  for (int i = 0; i < 200; ++i) {
    sent.push_back("record number " + std::to_string(i) + " " + std::string(static_cast<std::size_t>(i % 17), 'x'));
    input += sent.back() + "\n";
  }
  auto produced = run_tool({"produce", "-b", cluster.bootstrap(), "-t", "cli-roundtrip"}, input);
  INFO("produce stderr: " << produced.err);
  REQUIRE(produced.exit_code == 0);
  CHECK(produced.err.find("200 records delivered to cli-roundtrip") != std::string::npos);
  CHECK(produced.err.find("0 failed") != std::string::npos);

  auto consumed = run_tool({"consume", "-b", cluster.bootstrap(), "-t", "cli-roundtrip", "-o", "beginning", "-e"});
  INFO("consume stderr: " << consumed.err);
  REQUIRE(consumed.exit_code == 0);
  auto got = lines_of(consumed.out);
  // Three partitions: order holds within a partition only, so compare as sets.
  std::sort(got.begin(), got.end());
  std::sort(sent.begin(), sent.end());
  CHECK(got == sent);
}

TEST_CASE("kwire produce --stats prints the producer's metrics as JSON", "[tools][mock][metrics]") {
  MockCluster cluster(1, {{"cli-stats", 1}});
  auto produced = run_tool({"produce", "-b", cluster.bootstrap(), "-t", "cli-stats", "--stats"}, "a\nb\nc\n");
  INFO("produce stderr: " << produced.err);
  REQUIRE(produced.exit_code == 0);
  const std::string marker = "kwire produce: stats: ";
  auto at = produced.err.find(marker);
  REQUIRE(at != std::string::npos);
  const auto end = produced.err.find('\n', at);
  kwire::tool::Json stats;
  std::string why;
  REQUIRE(kwire::tool::Json::parse(produced.err.substr(at + marker.size(), end - at - marker.size()), stats, &why));
  INFO(why);
  REQUIRE(stats.find("records_delivered") != nullptr);
  CHECK(stats.find("records_delivered")->as_int() == 3);
  CHECK(stats.find("records_failed")->as_int() == 0);
  CHECK(stats.find("produce_requests")->as_int() >= 1);
  CHECK(stats.find("bytes_sent")->as_int() > 0);
}

TEST_CASE("kwire consume formats keys, headers, partitions and offsets, and stops at -c", "[tools][mock]") {
  MockCluster cluster(1, {{"cli-format", 1}});
  auto produced = run_tool({"produce", "-b", cluster.bootstrap(), "-t", "cli-format", "-K", ":", "-H", "h1=v1",
                            "-H", "h2=v2"},
                           "k1:first\nk2:second\nk3:third\n");
  INFO("produce stderr: " << produced.err);
  REQUIRE(produced.exit_code == 0);
  auto consumed = run_tool({"consume", "-b", cluster.bootstrap(), "-t", "cli-format", "-o", "beginning", "-e", "-f",
                            "%t/%p/%o %k=%s [%h]\\n"});
  INFO("consume stderr: " << consumed.err);
  REQUIRE(consumed.exit_code == 0);
  CHECK(lines_of(consumed.out) == std::vector<std::string>{"cli-format/0/0 k1=first [h1=v1,h2=v2]",
                                                           "cli-format/0/1 k2=second [h1=v1,h2=v2]",
                                                           "cli-format/0/2 k3=third [h1=v1,h2=v2]"});
  auto limited = run_tool({"consume", "-b", cluster.bootstrap(), "-t", "cli-format", "-o", "1", "-c", "1"});
  REQUIRE(limited.exit_code == 0);
  CHECK(lines_of(limited.out) == std::vector<std::string>{"second"});
}

TEST_CASE("kwire demo produces and reads back every record", "[tools][mock]") {
  MockCluster cluster(3);
  auto demo = run_tool({"demo", "-b", cluster.bootstrap(), "-n", "3000", "-s", "64"});
  INFO("stdout: " << demo.out << "\nstderr: " << demo.err);
  REQUIRE(demo.exit_code == 0);
  CHECK(demo.out.find("kwire demo: OK") != std::string::npos);
  CHECK(demo.out.find("produced 3000, acknowledged 3000, read 3000, missing 0, duplicated 0") != std::string::npos);
  // The mock's LogAppendTime is no clock reading: the demo says so where it shows it.
  CHECK(demo.out.find("3000 of 3000 reports carry the broker's LogAppendTime") != std::string::npos);
  CHECK(demo.out.find("made-up LogAppendTime") != std::string::npos);
}

TEST_CASE("bad flags give a clear error and exit code 2", "[tools]") {
  auto unknown_flag = run_tool({"consume", "-z"});
  CHECK(unknown_flag.exit_code == 2);
  CHECK(unknown_flag.err.find("unknown option -z") != std::string::npos);

  auto missing_value = run_tool({"produce", "-t"});
  CHECK(missing_value.exit_code == 2);
  CHECK(missing_value.err.find("-t needs a value") != std::string::npos);

  auto no_topic = run_tool({"consume", "-b", "127.0.0.1:1"});
  CHECK(no_topic.exit_code == 2);
  CHECK(no_topic.err.find("-t TOPIC is required") != std::string::npos);

  auto bad_offset = run_tool({"consume", "-b", "127.0.0.1:1", "-t", "x", "-o", "yesterday"});
  CHECK(bad_offset.exit_code == 2);
  CHECK(bad_offset.err.find("-o must be") != std::string::npos);

  auto unknown_command = run_tool({"frobnicate"});
  CHECK(unknown_command.exit_code == 2);
  CHECK(unknown_command.err.find("unknown command 'frobnicate'") != std::string::npos);

  // Security settings are read as a Producer reads them: bad ones named.
  auto tls_metadata = run_tool({"metadata", "-b", "127.0.0.1:1", "-X", "security.protocol=TLS"});
  CHECK(tls_metadata.exit_code == 2);
  CHECK(tls_metadata.err.find("security.protocol") != std::string::npos);
  auto misspelt = run_tool({"api-versions", "-b", "127.0.0.1:1", "-X", "sasl.usernme=u"});
  CHECK(misspelt.exit_code == 2);
  CHECK(misspelt.err.find("closest supported: sasl.username") != std::string::npos);
  // consume takes kwire::Consumer's properties (security included) and refuses what it does not know.
  auto bad_mechanism = run_tool({"consume", "-b", "127.0.0.1:1", "-t", "x", "-X", "sasl.mechanism=GSSAPI"});
  CHECK(bad_mechanism.exit_code == 2);
  CHECK(bad_mechanism.err.find("sasl.mechanism") != std::string::npos);
  auto unknown_property = run_tool({"consume", "-b", "127.0.0.1:1", "-t", "x", "-X", "linger.ms=5"});
  CHECK(unknown_property.exit_code == 2);
  CHECK(unknown_property.err.find("unknown consumer property 'linger.ms'") != std::string::npos);
  auto bad_property = run_tool({"produce", "-b", "127.0.0.1:1", "-t", "x", "-X", "linger.ms=soon"}, "a\n");
  CHECK(bad_property.exit_code == 2);
  CHECK(bad_property.err.find("linger.ms") != std::string::npos);
}

TEST_CASE("an unreachable broker fails within a bounded wait", "[tools]") {
  const auto address = closed_port_address();
  auto md = run_tool({"metadata", "-b", address, "-X", "socket.connection.setup.timeout.ms=3000"}, "",
                     std::chrono::seconds(60));
  INFO("metadata stderr: " << md.err);
  CHECK_FALSE(md.timed_out);
  CHECK(md.exit_code == 1);
  CHECK(md.err.find(address) != std::string::npos);
  CHECK(md.elapsed < std::chrono::seconds(30));

  auto produced = run_tool({"produce", "-b", address, "-t", "nowhere", "-X", "max.block.ms=2000"}, "a\nb\n",
                           std::chrono::seconds(90));
  INFO("produce stderr: " << produced.err);
  CHECK_FALSE(produced.timed_out);
  CHECK(produced.exit_code == 1);
  CHECK(produced.err.find("0 records delivered") != std::string::npos);
  // The producer's log hook: the refused connection is named with its address.
  CHECK(produced.err.find("(" + address + "): connection set-up failed") != std::string::npos);
  // The records' error names the topic and the refused address, not only a metadata timeout.
  CHECK(produced.err.find("nowhere: connection refused to " + address) != std::string::npos);
  CHECK(produced.elapsed < std::chrono::seconds(60));
}

TEST_CASE("consuming an unknown topic says so", "[tools][mock]") {
  MockCluster cluster(1);
  cluster.set_topic_error("no-such-topic", 3);  // UNKNOWN_TOPIC_OR_PARTITION
  auto consumed = run_tool({"consume", "-b", cluster.bootstrap(), "-t", "no-such-topic", "-e"});
  CHECK(consumed.exit_code == 1);
  CHECK(consumed.err.find("topic 'no-such-topic' does not exist") != std::string::npos);
}

TEST_CASE("without -b a command starts the embedded cluster and says so", "[tools][mock]") {
  auto md = run_tool({"metadata"});
  INFO("stderr: " << md.err);
  CHECK(md.exit_code == 0);
  CHECK(md.err.find("no -b given: started an embedded cluster") != std::string::npos);
  CHECK(md.out.find("1 broker") != std::string::npos);
}
