// Proves the harness speaks Kafka: a hand-made ApiVersions v0 request to the
// mock cluster, decoded with kwire's wire reader, must list Produce.
#include <catch2/catch.hpp>

#include "kwire/protocol/wire/reader.hpp"
#include "mock_cluster.hpp"
#include "raw_client.hpp"

using kwire::protocol::Reader;

TEST_CASE("mock cluster answers ApiVersions and lists Produce", "[smoke][mock]") {
  kwire::test::MockCluster cluster(1);
  kwire::test::RawClient client(cluster.first_host(), cluster.first_port());

  constexpr std::int16_t kApiVersions = 18;
  constexpr std::int32_t kCorrelation = 4242;
  client.send_frame(kwire::test::request_v1(kApiVersions, 0, kCorrelation, "kwire-smoke", {}));
  auto frame = client.recv_frame();

  Reader r(frame);
  REQUIRE(r.i32() == kCorrelation);  // response header v0
  REQUIRE(r.i16() == 0);             // error code
  auto n = r.array_length();
  REQUIRE(n.has_value());
  bool produce_listed = false;
  for (std::size_t i = 0; i < *n; ++i) {
    auto key = r.i16();
    auto min = r.i16();
    auto max = r.i16();
    if (key == 0) {
      produce_listed = true;
      CHECK(min <= max);
      CHECK(max >= 3);  // record batch v2 needs Produce v3+
    }
  }
  REQUIRE(r.ok());
  CHECK(r.remaining() == 0);
  CHECK(produce_listed);
}
