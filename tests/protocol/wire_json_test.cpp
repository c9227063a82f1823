// The `kwire wire` JSON conversion (tools/kwire/wire): random bodies of every
// message at every version, turned into JSON text, parsed back and encoded,
// give identical bytes; the JSON uses the spec's field names.
// tools/ has no library target, so the two tool sources are compiled here.
#include <catch2/catch.hpp>

#include "../../tools/kwire/wire/json.cpp"       // NOLINT: see above
#include "../../tools/kwire/wire/wire_decoder.cpp"  // NOLINT: see above
#include "../../tools/kwire/wire/wire_json.cpp"     // NOLINT: see above
#include "random_frame.hpp"

using namespace kwire::protocol;
using kwire::tool::Json;

TEST_CASE("wire JSON: decode then encode gives identical bytes for every message and version",
          "[protocol][json]") {
  kwire::test::RandomFrameBuilder builder(777);
  for (const auto& m : all_message_schemas()) {
    for (std::int16_t v = m.valid.lo; v <= m.valid.hi; ++v) {
      for (int round = 0; round < 3; ++round) {
        auto body = builder.build(m, v);
        INFO(std::string(m.name) << " v" << v);
        Reader r(body);
        Json j = kwire::tool::message_to_json(m, v, r);
        REQUIRE(r.ok());
        REQUIRE(r.remaining() == 0);
        Json parsed;
        std::string error;
        REQUIRE(Json::parse(j.dump(), parsed, &error));
        Writer w;
        REQUIRE(kwire::tool::json_to_message(m, v, parsed, w, &error));
        REQUIRE(w.owned() == body);
      }
    }
  }
}

TEST_CASE("wire JSON uses the spec's field names and values", "[protocol][json]") {
  // ProduceRequest v3, built by hand from the protocol guide's layout.
  const std::vector<std::uint8_t> body{
      0, 3, 't', 'x', '1',          // TransactionalId "tx1"
      0xff, 0xff,                   // Acks -1
      0, 0, 0x75, 0x30,             // TimeoutMs 30000
      0, 0, 0, 1,                   // one topic
      0, 2, 'o', 'k',               // Name "ok"
      0, 0, 0, 1,                   // one partition
      0, 0, 0, 4,                   // Index 4
      0, 0, 0, 2, 0xca, 0xfe};      // Records (2 bytes)
  const MessageSchema* m = find_message_schema("ProduceRequest");
  REQUIRE(m);
  Reader r(body);
  Json j = kwire::tool::message_to_json(*m, 3, r);
  REQUIRE(r.ok());
  REQUIRE(j.find("TransactionalId"));
  CHECK(j.find("TransactionalId")->as_string() == "tx1");
  CHECK(j.find("Acks")->as_int() == -1);
  CHECK(j.find("TimeoutMs")->as_int() == 30000);
  const Json& topic = j.find("TopicData")->items().at(0);
  CHECK(topic.find("Name")->as_string() == "ok");
  const Json& part = topic.find("PartitionData")->items().at(0);
  CHECK(part.find("Index")->as_int() == 4);
  CHECK(part.find("Records")->as_string() == "cafe");
}

TEST_CASE("wire JSON rejects documents that do not match the schema", "[protocol][json]") {
  const MessageSchema* m = find_message_schema("MetadataRequest");
  REQUIRE(m);
  Json doc;
  std::string error;
  REQUIRE(Json::parse(R"({"Topics": [{"Name": 5}]})", doc, &error));
  Writer w;
  CHECK_FALSE(kwire::tool::json_to_message(*m, 0, doc, w, &error));
  CHECK(error.find("Name") != std::string::npos);
  CHECK_FALSE(Json::parse("{\"Topics\": [", doc, &error));
}
