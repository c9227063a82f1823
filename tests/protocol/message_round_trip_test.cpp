// Every generated message at every valid version: random bodies built from
// the schema table (tests/protocol/random_frame.hpp) must decode with the
// generated struct, re-encode to identical bytes, and encoded_size() must
// agree. Every strict prefix of such a body must fail cleanly.
#include <catch2/catch.hpp>

#include <string>

#include "kwire/protocol/message_schema.hpp"
#include "kwire/protocol/wire/wire_error.hpp"
#include "random_frame.hpp"

using kwire::protocol::all_message_schemas;
using kwire::protocol::Bytes;
using kwire::protocol::round_trip_message;

namespace {
constexpr int kRoundsPerVersion = 12;
constexpr std::uint64_t kSeed = 20261123;
}  // namespace

TEST_CASE("every message at every version round-trips random bodies", "[protocol][roundtrip]") {
  kwire::test::RandomFrameBuilder builder(kSeed);
  std::size_t checked = 0;
  for (const auto& m : all_message_schemas()) {
    for (std::int16_t v = m.valid.lo; v <= m.valid.hi; ++v) {
      for (int round = 0; round < kRoundsPerVersion; ++round) {
        auto body = builder.build(m, v);
        auto rt = round_trip_message(m, v, body);
        INFO(std::string(m.name) << " v" << v << " round " << round << " size " << body.size());
        REQUIRE_FALSE(rt.error);
        REQUIRE(rt.consumed == body.size());
        REQUIRE(rt.encoded_size == body.size());
        REQUIRE(rt.encoded == body);
        ++checked;
      }
    }
  }
  CHECK(checked > 5000);
}

TEST_CASE("every strict prefix of a valid body fails to decode", "[protocol][hostile]") {
  kwire::test::RandomFrameBuilder builder(kSeed + 1);
  for (const auto& m : all_message_schemas()) {
    for (std::int16_t v = m.valid.lo; v <= m.valid.hi; ++v) {
      auto body = builder.build(m, v);
      for (std::size_t cut = 0; cut < body.size(); ++cut) {
        auto rt = round_trip_message(m, v, Bytes(body.data(), cut));
        INFO(std::string(m.name) << " v" << v << " cut at " << cut << " of " << body.size());
        REQUIRE(rt.error);
      }
    }
  }
}

TEST_CASE("versions outside the valid range are refused", "[protocol]") {
  for (const auto& m : all_message_schemas()) {
    std::vector<std::uint8_t> body(64, 0);
    CHECK(round_trip_message(m, static_cast<std::int16_t>(m.valid.hi + 1), body).error ==
          kwire::protocol::wire_errc::unsupported_version);
    CHECK(round_trip_message(m, -1, body).error == kwire::protocol::wire_errc::unsupported_version);
  }
}
