// ProduceRequest v3 / FetchRequest v4 encoded by hand with the wire Writer,
// and their responses decoded with the wire Reader (protocol.html's layouts).
#include "raw_produce.hpp"

#include <stdexcept>

#include "kwire/protocol/records/batch_reader.hpp"
#include "kwire/protocol/wire/reader.hpp"
#include "kwire/protocol/wire/writer.hpp"

namespace kwire::test {

using kwire::protocol::Reader;
using kwire::protocol::Writer;

namespace {
constexpr std::int16_t kProduce = 0;
constexpr std::int16_t kFetch = 1;
std::int32_t next_correlation = 1;
}  // namespace

RawProduceResult raw_produce(RawClient& client, const std::string& topic, std::int32_t partition,
                             kwire::protocol::Bytes records, const std::optional<std::string>& transactional_id) {
  Writer w;
  if (transactional_id) w.nullable_string(std::string_view(*transactional_id));
  else w.nullable_string(std::nullopt);
  w.i16(-1);      // acks
  w.i32(10000);   // timeout ms
  w.array_length(1);
  w.string(topic);
  w.array_length(1);
  w.i32(partition);
  w.bytes(records);
  std::int32_t corr = next_correlation++;
  client.send_frame(request_v1(kProduce, 3, corr, "kwire-records-test", w.owned()));
  auto frame = client.recv_frame();
  Reader r(frame);
  if (r.i32() != corr) throw std::runtime_error("produce: correlation id mismatch");
  RawProduceResult out;
  auto topics = r.array_length();
  if (!topics || *topics != 1) throw std::runtime_error("produce: expected one topic");
  r.string();
  auto parts = r.array_length();
  if (!parts || *parts != 1) throw std::runtime_error("produce: expected one partition");
  r.i32();
  out.error_code = r.i16();
  out.base_offset = r.i64();
  r.i64();  // log append time
  r.i32();  // throttle time
  if (!r.ok()) throw std::runtime_error("produce: malformed response");
  return out;
}

RawFetchResult raw_fetch(RawClient& client, const std::string& topic, std::int32_t partition, std::int64_t offset,
                         std::int32_t max_bytes) {
  Writer w;
  w.i32(-1);         // replica id
  w.i32(100);        // max wait ms
  w.i32(1);          // min bytes
  w.i32(max_bytes);  // max bytes
  w.i8(0);           // read_uncommitted
  w.array_length(1);
  w.string(topic);
  w.array_length(1);
  w.i32(partition);
  w.i64(offset);
  w.i32(max_bytes);
  std::int32_t corr = next_correlation++;
  client.send_frame(request_v1(kFetch, 4, corr, "kwire-records-test", w.owned()));
  RawFetchResult out;
  out.frame = client.recv_frame();
  Reader r(out.frame);
  if (r.i32() != corr) throw std::runtime_error("fetch: correlation id mismatch");
  r.i32();  // throttle
  auto topics = r.array_length();
  if (!topics || *topics != 1) throw std::runtime_error("fetch: expected one topic");
  r.string();
  auto parts = r.array_length();
  if (!parts || *parts != 1) throw std::runtime_error("fetch: expected one partition");
  r.i32();
  out.error_code = r.i16();
  out.high_watermark = r.i64();
  r.i64();  // last stable offset
  auto aborted = r.array_length();
  for (std::size_t i = 0; aborted && i < *aborted; ++i) {
    r.i64();
    r.i64();
  }
  auto recs = r.nullable_bytes();
  if (!r.ok()) throw std::runtime_error("fetch: malformed response");
  if (recs) out.records = *recs;
  return out;
}

std::vector<std::uint8_t> raw_fetch_all(RawClient& client, const std::string& topic, std::int32_t partition,
                                        std::int32_t max_bytes_per_fetch) {
  std::vector<std::uint8_t> all;
  std::int64_t offset = 0;
  for (int guard = 0; guard < 10000; ++guard) {
    auto f = raw_fetch(client, topic, partition, offset, max_bytes_per_fetch);
    if (f.error_code != 0) throw std::runtime_error("fetch: error code " + std::to_string(f.error_code));
    if (offset >= f.high_watermark) return all;
    kwire::protocol::records::BatchReader reader(f.records);
    std::int64_t before = offset;
    while (reader.next_batch()) offset = reader.batch().next_offset();
    if (reader.error()) throw std::runtime_error("fetch: " + reader.error().message());
    all.insert(all.end(), f.records.begin(), f.records.begin() + static_cast<std::ptrdiff_t>(reader.position()));
    if (offset == before) throw std::runtime_error("fetch: no progress (batch larger than max bytes?)");
  }
  throw std::runtime_error("fetch: too many rounds");
}

}  // namespace kwire::test
