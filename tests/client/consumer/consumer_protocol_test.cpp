// ConsumerProtocol payloads: the exact bytes of a v1 subscription and
// assignment (version prefix, then the fields of Kafka's schema), round trips
// at every version, a newer version read as the newest known, truncation refused.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "consumer/consumer_protocol.hpp"

using Bytes = std::vector<std::uint8_t>;
using kwire::detail::GroupAssignment;
using kwire::detail::GroupSubscription;

TEST_CASE("ConsumerProtocol subscription v1: exact bytes and round trips", "[consumer][group]") {
  GroupSubscription s;
  s.topics = {"a"};
  s.owned = {{"a", 0}};
  const Bytes expected{0x00, 0x01,                          // version 1
                       0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'a',  // topics ["a"]
                       0xff, 0xff, 0xff, 0xff,                // user_data null
                       0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'a',  // owned: topic "a"
                       0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00};  // partitions [0]
  CHECK(kwire::detail::encode_subscription(s) == expected);

  s.topics = {"orders", "payments"};
  s.owned = {{"orders", 3}, {"payments", 0}, {"orders", 1}};
  s.user_data = {1, 2, 3};
  s.generation = 7;
  s.rack = "r1";
  for (std::int16_t version = 0; version <= 3; ++version) {
    INFO("version " << version);
    GroupSubscription back;
    REQUIRE(!kwire::detail::decode_subscription(kwire::detail::encode_subscription(s, version), back));
    CHECK(back.topics == s.topics);
    CHECK(back.user_data == s.user_data);
    // Grouped by topic on the wire, in the order topics first appear.
    CHECK(back.owned == (version >= 1 ? std::vector<kwire::TopicPartition>{{"orders", 3}, {"orders", 1}, {"payments", 0}}
                                      : std::vector<kwire::TopicPartition>{}));
    CHECK(back.generation == (version >= 2 ? 7 : -1));
    CHECK(back.rack == (version >= 3 ? std::optional<std::string>("r1") : std::nullopt));
  }
}

TEST_CASE("ConsumerProtocol assignment v1: exact bytes and round trip", "[consumer][group]") {
  GroupAssignment a;
  a.partitions = {{"t", 2}, {"t", 0}};
  const Bytes expected{0x00, 0x01,                                            // version 1
                       0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',                // one topic "t"
                       0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,  // [2, 0]
                       0xff, 0xff, 0xff, 0xff};                               // user_data null
  CHECK(kwire::detail::encode_assignment(a) == expected);
  GroupAssignment back;
  REQUIRE(!kwire::detail::decode_assignment(expected, back));
  CHECK(back.partitions == a.partitions);
  CHECK(back.user_data.empty());
}

TEST_CASE("ConsumerProtocol: a newer version reads as the newest known; truncation is an error", "[consumer][group]") {
  GroupSubscription s;
  s.topics = {"x"};
  s.rack = "r";
  Bytes bytes = kwire::detail::encode_subscription(s, 3);
  bytes[1] = 9;                                   // a version from the future...
  bytes.insert(bytes.end(), {0x00, 0x00, 0x00});  // ...with fields we do not know after ours
  GroupSubscription back;
  REQUIRE(!kwire::detail::decode_subscription(bytes, back));
  CHECK(back.topics == s.topics);
  CHECK(back.rack == s.rack);

  Bytes cut = kwire::detail::encode_subscription(s, 1);
  cut.resize(cut.size() - 2);
  CHECK(kwire::detail::decode_subscription(cut, back));
  GroupAssignment assignment;
  CHECK(kwire::detail::decode_assignment(Bytes{0x00}, assignment));
  CHECK(kwire::detail::decode_assignment(Bytes{0xff, 0xff}, assignment));  // version -1
}
