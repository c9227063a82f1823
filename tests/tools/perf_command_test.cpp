// End-to-end tests of `kwire perf produce`, run as a child process against
// librdkafka's mock cluster: both clients are driven by the same loop, with
// several sending threads every record is acknowledged once, the same records
// (every K-th by index) are timed for both clients, and the JSON carries the
// CPU, context-switch and per-thread figures bench/report.py reads; `kwire
// perf consume` reads every record with either client and reports in the
// same JSON.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "mock_cluster.hpp"
#include "run_tool.hpp"

using kwire::test::MockCluster;
using kwire::test::run_tool;

namespace {

// The number after "key": in a one-line JSON object; -1 when absent.
double json_number(const std::string& json, const std::string& key) {
  auto at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return -1;
  return std::strtod(json.c_str() + at + key.size() + 3, nullptr);
}

}  // namespace

TEST_CASE("kwire perf produce: several sending threads, every record acknowledged, the same sample timed",
          "[tools][mock]") {
  MockCluster cluster(1, {{"perf-threads", 2}});
  for (const char* client : {"kwire", "librdkafka"}) {
    DYNAMIC_SECTION("client " << client) {
      auto run = run_tool({"perf", "produce", "-b", cluster.bootstrap(), "-t", "perf-threads", "-n", "2001", "-s", "50",
                           "--threads", "3", "--sample-every", "10", "--client", client, "--json", "-X",
                           "linger.ms=1"});
      INFO("stdout: " << run.out << "\nstderr: " << run.err);
      REQUIRE(run.exit_code == 0);
      CHECK(json_number(run.out, "records") == 2001);
      CHECK(json_number(run.out, "acked") == 2001);
      CHECK(json_number(run.out, "failed") == 0);
      CHECK(json_number(run.out, "threads") == 3);
      // Indices 0, 10, ..., 2000 whichever thread sent them.
      CHECK(json_number(run.out, "sample_every") == 10);
      CHECK(json_number(run.out, "latency_samples") == 201);
      CHECK(json_number(run.out, "cpu_s") > 0);
      CHECK(json_number(run.out, "voluntary_cs") >= 0);
      CHECK(json_number(run.out, "involuntary_cs") >= 0);
      CHECK(json_number(run.out, "first_report_ms") > 0);
      // The two extra sending threads report their own CPU time.
      CHECK(run.out.find("{\"name\":\"perf-send-1\"") != std::string::npos);
      CHECK(run.out.find("{\"name\":\"perf-send-2\"") != std::string::npos);
      CHECK(run.out.find("{\"name\":\"perf-send-3\"") == std::string::npos);
      // kwire's own Producer::metrics() ride along ("metrics"); librdkafka's statistics do not.
      if (std::string(client) == "kwire") {
        CHECK(json_number(run.out, "records_delivered") == 2001);
        CHECK(json_number(run.out, "delivery_latency_records") == 2001);
        CHECK(run.out.find("\"brokers\":[{\"broker_id\":1,") != std::string::npos);
        CHECK(run.out.find("{\"topic\":\"perf-threads\",\"partition\":1,") != std::string::npos);
      } else {
        CHECK(run.out.find("\"metrics\":") == std::string::npos);
      }
    }
  }
}

TEST_CASE("kwire perf produce at a fixed rate times every record", "[tools][mock]") {
  MockCluster cluster(1, {{"perf-rate", 1}});
  auto run = run_tool({"perf", "produce", "-b", cluster.bootstrap(), "-t", "perf-rate", "-n", "300", "-s", "20",
                       "--rate", "1000", "--json"});
  INFO("stdout: " << run.out << "\nstderr: " << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(json_number(run.out, "acked") == 300);
  CHECK(json_number(run.out, "sample_every") == 1);
  CHECK(json_number(run.out, "latency_samples") == 300);
  // 300 records at 1,000/s cannot take less than the schedule's 0.299 s.
  CHECK(json_number(run.out, "seconds") >= 0.299);
}

TEST_CASE("kwire perf produce refuses bad thread and sample counts", "[tools]") {
  auto threads = run_tool({"perf", "produce", "-b", "127.0.0.1:1", "-t", "x", "--threads", "0"});
  CHECK(threads.exit_code == 2);
  CHECK(threads.err.find("--threads must be from 1 to 256") != std::string::npos);
  auto sample = run_tool({"perf", "produce", "-b", "127.0.0.1:1", "-t", "x", "--sample-every", "0"});
  CHECK(sample.exit_code == 2);
  CHECK(sample.err.find("--sample-every must be a positive number of records") != std::string::npos);
}

TEST_CASE("kwire perf consume: both clients read every record, in perf produce's JSON", "[tools][mock]") {
  MockCluster cluster(1, {{"perf-consume", 3}});
  // Each section runs on a fresh cluster: --fill writes the records first (lz4), untimed.
  for (const char* client : {"kwire", "librdkafka"}) {
    DYNAMIC_SECTION("client " << client) {
      auto run = run_tool({"perf", "consume", "-b", cluster.bootstrap(), "-t", "perf-consume", "-n", "3000", "--client",
                           client, "--json", "-X", "fetch.max.wait.ms=100", "--fill", "-s", "64", "--fill-codec",
                           "lz4"});
      INFO("stdout: " << run.out << "\nstderr: " << run.err);
      REQUIRE(run.exit_code == 0);
      CHECK(run.out.find("\"mode\":\"consume\"") != std::string::npos);
      CHECK(json_number(run.out, "records") == 3000);
      CHECK(json_number(run.out, "acked") == 3000);
      CHECK(json_number(run.out, "failed") == 0);
      CHECK(json_number(run.out, "record_size") == 64);  // values only: --fill writes no keys
      CHECK(json_number(run.out, "records_per_s") > 0);
      CHECK(json_number(run.out, "mb_per_s") > 0);
      CHECK(json_number(run.out, "cpu_s") > 0);
      CHECK(json_number(run.out, "first_report_ms") > 0);
      // -X's Java name reaches each client under its own name.
      CHECK(run.out.find(std::string(client) == "kwire" ? "fetch.max.wait.ms=100" : "fetch.wait.max.ms=100") !=
            std::string::npos);
    }
  }
}

TEST_CASE("kwire perf consume refuses a bad client and codec", "[tools]") {
  auto client = run_tool({"perf", "consume", "-b", "127.0.0.1:1", "-t", "t", "--client", "java"});
  CHECK(client.exit_code == 2);
  auto codec = run_tool({"perf", "consume", "-b", "127.0.0.1:1", "-t", "t", "--fill-codec", "brotli"});
  CHECK(codec.exit_code == 2);
}
