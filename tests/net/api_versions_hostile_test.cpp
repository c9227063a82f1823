// ApiVersions answers a hostile broker could send: an UNSUPPORTED_VERSION
// answer naming a negative ApiVersions version (the retry used to go out at
// that version), repeated keys and "unsupported" ranges (the table counted
// them as APIs, so an answer listing only max < min ranges was adopted).
#include <catch2/catch.hpp>

#include <array>

#include "kwire/net/api_versions.hpp"
#include "kwire/net/api_versions_step.hpp"
#include "kwire/protocol/wire/writer.hpp"

using kwire::net::ApiVersionsStep;
using kwire::net::ApiVersionTable;
using kwire::net::decode_api_versions_body;
using kwire::net::next_api_versions_step;

namespace {

// A v0-shaped body: error code, then (key, min, max) entries.
std::vector<std::uint8_t> v0_body(std::int16_t error, std::initializer_list<std::array<std::int16_t, 3>> entries) {
  kwire::protocol::Writer w;
  w.i16(error);
  w.array_length(entries.size());
  for (const auto& e : entries) w.i16(e[0]), w.i16(e[1]), w.i16(e[2]);
  return w.release();
}

}  // namespace

TEST_CASE("an UNSUPPORTED_VERSION answer never sends the retry below v0 or at the same version",
          "[net][api_versions][hostile]") {
  const std::int16_t version = GENERATE(1, 2, 3);
  SECTION("the broker names a negative newest ApiVersions version") {
    auto reply = decode_api_versions_body(v0_body(35, {{18, -9, -4}}), version);
    REQUIRE(!reply.decode_error);
    auto step = next_api_versions_step(reply, version);
    CHECK(step.kind == ApiVersionsStep::Kind::retry);
    CHECK(step.retry_version == 0);
  }
  SECTION("the broker names a version above the one refused") {
    auto reply = decode_api_versions_body(v0_body(35, {{18, 0, 9}}), version);
    auto step = next_api_versions_step(reply, version);
    CHECK(step.kind == ApiVersionsStep::Kind::retry);
    CHECK(step.retry_version == version - 1);
  }
  SECTION("the answer does not parse: v0, as librdkafka's mock needs") {
    auto reply = decode_api_versions_body(std::vector<std::uint8_t>{0, 35, 0xff}, version);
    auto step = next_api_versions_step(reply, version);
    CHECK(step.kind == ApiVersionsStep::Kind::retry);
    CHECK(step.retry_version == 0);
  }
}

TEST_CASE("UNSUPPORTED_VERSION to a v0 request ends the exchange", "[net][api_versions][hostile]") {
  auto reply = decode_api_versions_body(v0_body(35, {{18, 0, 3}}), 0);
  CHECK(next_api_versions_step(reply, 0).kind == ApiVersionsStep::Kind::fail);
}

TEST_CASE("the version table counts supported APIs, not entries", "[net][api_versions][hostile]") {
  ApiVersionTable table;
  table.set(3, {0, -1});  // listed as unsupported
  CHECK(table.empty());
  table.set(3, {0, 8});
  table.set(3, {0, 9});  // listed twice
  CHECK(table.size() == 1);
  table.set(0, {3, 8});
  table.set(0, {5, 4});  // then unsupported
  CHECK(table.size() == 1);
  CHECK(!table.broker_range(0));
  // An answer that lists only unsupported ranges is no table to adopt.
  auto reply = decode_api_versions_body(v0_body(0, {{0, 5, 4}, {18, 2, 1}}), 0);
  REQUIRE(!reply.decode_error);
  CHECK(reply.table.empty());
  CHECK(next_api_versions_step(reply, 0).kind == ApiVersionsStep::Kind::fail);
}
