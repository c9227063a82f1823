// Segmented record batches (batch_segments.hpp): a value appended with
// ValuePlacement::reference stays in the caller's memory. The flattened batch
// must be byte-identical to the same records copied in (whose format the
// interop tests check against librdkafka), its CRC-32C (over the whole batch,
// computed here from the flattened bytes) must hold, the reader must give the
// records back, and a codec must leave a batch owning all its bytes.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kwire/protocol/records/batch_builder.hpp"
#include "kwire/protocol/records/batch_reader.hpp"
#include "kwire/protocol/records/batch_segments.hpp"
#include "kwire/protocol/records/crc32c.hpp"

using kwire::protocol::Bytes;
using kwire::protocol::as_bytes;
using kwire::protocol::as_string;
using namespace kwire::protocol::records;

namespace {

std::uint64_t be(const std::uint8_t* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}
bool crc_ok(const std::vector<std::uint8_t>& b) { return crc32c(Bytes(b).subspan(21)) == be(b.data() + 17, 4); }

std::string pattern(std::size_t n, char seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + static_cast<char>(i * 7 % 61));
  return s;
}

struct Input {
  std::string big1 = pattern(1 << 20, 'a');
  std::string big2 = pattern(70000, 'A');
  Header headers[1] = {{"h", as_bytes(std::string_view("hv"))}};
};

// Small value, 1 MiB value, small value with a header, 70000-byte value, null value.
void fill(BatchBuilder& b, const Input& in, ValuePlacement big) {
  REQUIRE(b.append(1000, as_bytes(std::string_view("k0")), as_bytes(std::string_view("small")), {}, big));
  REQUIRE(b.append(1001, as_bytes(std::string_view("k1")), as_bytes(in.big1), {}, big));
  REQUIRE(b.append(1002, std::nullopt, as_bytes(std::string_view("tiny")), in.headers, big));
  REQUIRE(b.append(1003, as_bytes(std::string_view("k3")), as_bytes(in.big2), in.headers, big));
  REQUIRE(b.append(1004, as_bytes(std::string_view("k4")), std::nullopt, {}, big));
}

std::vector<std::uint8_t> flat(BatchBuilder& b) {
  std::vector<std::uint8_t> out;
  flatten(b.batch(), b.references(), out);
  return out;
}

}  // namespace

TEST_CASE("segments: referenced values are not copied and the batch equals the copied one", "[records][segments]") {
  Input in;
  BatchBuilder copied({}, 8 << 20, 1000);
  BatchBuilder referenced({}, 8 << 20, 1000);
  fill(copied, in, ValuePlacement::copy);
  fill(referenced, in, ValuePlacement::reference);
  CHECK(referenced.size_bytes() == copied.size_bytes());
  // Every value went by reference (even small ones: the threshold is the caller's).
  CHECK(referenced.own_bytes() < 200);
  REQUIRE(referenced.references().size() == 4);
  CHECK(referenced.references()[1].bytes.data() == reinterpret_cast<const std::uint8_t*>(in.big1.data()));

  REQUIRE_FALSE(copied.close().empty());
  REQUIRE_FALSE(referenced.close().empty());
  CHECK(referenced.batch().size() == referenced.own_bytes());
  const std::vector<std::uint8_t> expected(copied.batch().begin(), copied.batch().end());
  const std::vector<std::uint8_t> got = flat(referenced);
  CHECK(segmented_size(referenced.batch(), referenced.references()) == expected.size());
  REQUIRE(got.size() == expected.size());
  CHECK(got == expected);
  CHECK(crc_ok(got));
  CHECK(be(got.data() + 8, 4) == got.size() - 12);  // batch length counts the referenced bytes

  BatchReader reader{Bytes(got)};
  REQUIRE(reader.next_batch());
  RecordView r;
  std::vector<std::optional<std::string>> values;
  while (reader.next_record(r)) values.push_back(r.value ? std::optional<std::string>(as_string(*r.value)) : std::nullopt);
  CHECK_FALSE(reader.error());
  REQUIRE(values.size() == 5);
  CHECK(values[1] == in.big1);
  CHECK(values[3] == in.big2);
  CHECK_FALSE(values[4].has_value());
}

TEST_CASE("segments: producer state rewrite keeps the whole-batch CRC valid", "[records][segments]") {
  Input in;
  BatchBuilder b({}, 8 << 20, 1000);
  fill(b, in, ValuePlacement::reference);
  REQUIRE_FALSE(b.close().empty());
  auto own = b.batch();
  auto refs = b.take_references();
  REQUIRE(set_producer_state(own, refs, 77, 3, 41, true));
  std::vector<std::uint8_t> got;
  flatten(Bytes(own), refs, got);
  CHECK(crc_ok(got));
  CHECK(be(got.data() + 43, 8) == 77);
  CHECK(be(got.data() + 51, 2) == 3);
  CHECK(be(got.data() + 53, 4) == 41);
  CHECK((be(got.data() + 21, 2) & 0x10) != 0);
  // A corrupted referenced byte is caught by the reader's CRC check.
  std::string changed = in.big2;
  changed[100] ^= 1;
  refs[3].bytes = as_bytes(changed);
  std::vector<std::uint8_t> corrupt;
  flatten(Bytes(own), refs, corrupt);
  BatchReader reader{Bytes(corrupt)};
  CHECK_FALSE(reader.next_batch());
  CHECK(reader.error());
}

TEST_CASE("segments: a compressed batch reads the segments at close and owns its bytes", "[records][segments]") {
  for (Codec codec : {Codec::lz4, Codec::zstd, Codec::gzip, Codec::snappy}) {
    INFO("codec " << static_cast<int>(codec));
    Input in;
    BatchBuilder copied({}, 8 << 20, 1000);
    BatchBuilder referenced({}, 8 << 20, 1000);
    fill(copied, in, ValuePlacement::copy);
    fill(referenced, in, ValuePlacement::reference);
    REQUIRE_FALSE(copied.close(codec).empty());
    REQUIRE_FALSE(referenced.close(codec).empty());
    CHECK(referenced.references().empty());
    CHECK(referenced.uncompressed_records_bytes() == copied.uncompressed_records_bytes());
    const std::vector<std::uint8_t> got(referenced.batch().begin(), referenced.batch().end());
    CHECK(got == std::vector<std::uint8_t>(copied.batch().begin(), copied.batch().end()));
    // The caller's memory may change now: the batch no longer looks at it.
    in.big1.assign(in.big1.size(), 'z');
    BatchReader reader{Bytes(got)};
    REQUIRE(reader.next_batch());
    RecordView r;
    int n = 0;
    while (reader.next_record(r)) {
      if (n == 1) CHECK(as_string(*r.value) == pattern(1 << 20, 'a'));
      ++n;
    }
    CHECK_FALSE(reader.error());
    CHECK(n == 5);
  }
}

TEST_CASE("segments: the size limit counts referenced bytes", "[records][segments]") {
  std::string big = pattern(100000, 'q');
  BatchBuilder b({}, 150000, 0);
  REQUIRE(b.append(0, std::nullopt, as_bytes(big), {}, ValuePlacement::reference));
  CHECK_FALSE(b.append(0, std::nullopt, as_bytes(big), {}, ValuePlacement::reference));
  CHECK(b.record_count() == 1);
  CHECK(b.size_bytes() > 100000);
  CHECK(b.own_bytes() < 100);
}
