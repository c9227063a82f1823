// Writes raw seed inputs for every fuzz target under OUT_DIR/<target>/, in
// each target's input format: every request and response at every version
// (random bodies from the schema table), Fetch responses and record batches
// holding real batches of every codec (keys, null values, headers,
// transaction markers), compressed payloads of every codec, ApiVersions
// exchanges v0-v3 (KIP-511 fallbacks included), response streams, a whole
// valid SCRAM exchange per hash, JAAS lines. tools/make-fuzz-corpus.sh
// minimizes them with libFuzzer (-merge=1) into tests/fuzz/corpus/.
// Usage: kwire_fuzz_seeds OUT_DIR
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "kwire/compression/codec.hpp"
#include "kwire/net/api_versions.hpp"
#include "kwire/net/sasl/scram_crypto.hpp"
#include "kwire/protocol/api_table.hpp"
#include "kwire/protocol/message_schema.hpp"
#include "kwire/protocol/messages/fetch_response.hpp"
#include "kwire/protocol/records/batch_builder.hpp"
#include "kwire/protocol/wire/writer.hpp"
#include "../../protocol/random_frame.hpp"

namespace fs = std::filesystem;
namespace msg = kwire::protocol::messages;
using kwire::compression::Codec;
using Blob = std::vector<std::uint8_t>;

namespace {

fs::path out_root;

void write(const std::string& target, const std::string& name, const Blob& bytes) {
  const fs::path dir = out_root / target;
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                     static_cast<std::streamsize>(bytes.size()));
}

Blob text(std::string_view s) { return {s.begin(), s.end()}; }

Blob cat(std::initializer_list<Blob> parts) {
  Blob out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

const Codec kCodecs[] = {Codec::none, Codec::gzip, Codec::snappy, Codec::lz4, Codec::zstd};
const char* const kCodecNames[] = {"none", "gzip", "snappy", "lz4", "zstd"};

// A finished batch: `records` records, some keyed, some with headers and
// null values; transactional or not.
Blob batch(Codec codec, int records, std::int64_t base_offset, bool transactional) {
  kwire::protocol::records::BatchBuilder b({}, SIZE_MAX, 1700000000000);
  const kwire::protocol::records::Header headers[] = {{"trace", kwire::protocol::as_bytes(std::string_view("abc"))},
                                                      {"empty", std::nullopt}};
  for (int i = 0; i < records; ++i) {
    const std::string key = "key-" + std::to_string(i);
    const std::string value = std::string(static_cast<std::size_t>(i % 7) * 9, 'v') + std::to_string(i);
    std::optional<kwire::protocol::Bytes> k, v;
    if (i % 3 != 0) k = kwire::protocol::as_bytes(key);
    if (i % 5 != 4) v = kwire::protocol::as_bytes(value);
    b.append(1700000000000 + i, k, v, i % 2 ? std::span(headers) : std::span<const kwire::protocol::records::Header>());
  }
  b.set_base_offset(base_offset);
  if (transactional) b.set_producer_state(4242, 3, 0, true);
  b.close(codec);
  return b.take_buffer();
}

Blob marker(std::int64_t base_offset, kwire::protocol::records::ControlType type) {
  kwire::protocol::records::BatchBuilder b({}, SIZE_MAX, 1700000000000);
  b.append_control(type, 5, 1700000000100);
  b.set_base_offset(base_offset);
  b.set_producer_state(4242, 3, 0, true);
  b.close();
  return b.take_buffer();
}

void message_seeds() {
  kwire::test::RandomFrameBuilder builder(20261205);
  for (const auto& m : kwire::protocol::all_message_schemas()) {
    std::uint8_t selector;
    if (m.kind == kwire::protocol::MessageKind::request) selector = 0;
    else if (m.kind == kwire::protocol::MessageKind::response) selector = 1;
    else if (m.name == "RequestHeader") selector = 2;
    else if (m.name == "ResponseHeader") selector = 3;
    else continue;
    const std::int16_t key = m.api_key < 0 ? 0 : m.api_key;
    for (std::int16_t v = m.valid.lo; v <= m.valid.hi; ++v) {
      for (int round = 0; round < 1; ++round) {
        kwire::protocol::Writer w;
        w.u8(selector);
        w.i16(key);
        w.i16(v);
        w.raw(builder.build(m, v));
        write("message_decode_fuzz", std::string(m.name) + "-v" + std::to_string(v) + "-" + std::to_string(round),
              w.release());
      }
    }
  }
}

void record_seeds() {
  for (std::size_t c = 0; c < std::size(kCodecs); ++c) {
    for (int records : {1, 13}) {
      const std::string name = std::string(kCodecNames[c]) + "-" + std::to_string(records);
      write("batch_reader_fuzz", name, batch(kCodecs[c], records, 100, false));
      write("batch_reader_fuzz", name + "-txn-commit",
            cat({batch(kCodecs[c], records, 0, true), marker(records, kwire::protocol::records::ControlType::commit)}));
    }
    std::vector<std::uint8_t> payload, compressed;
    for (std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{300}, std::size_t{70000}}) {
      payload.clear();
      for (std::size_t i = 0; i < size; ++i) payload.push_back(static_cast<std::uint8_t>(i % 251 < 200 ? 'a' + i % 7 : i));
      compressed.clear();
      if (kCodecs[c] == Codec::none || kwire::compression::compress(kCodecs[c], kwire::compression::default_level,
                                                                    payload, compressed))
        continue;
      write(std::string("decompress_") + kCodecNames[c] + "_fuzz", "payload-" + std::to_string(size), compressed);
    }
  }
}

void fetch_seeds() {
  const std::int16_t newest = kwire::protocol::find_api(msg::FetchResponse::api_key)->max_version;
  for (std::int16_t v = 0; v <= newest; ++v) {
    for (std::size_t c = 0; c < std::size(kCodecs); ++c) {
      const Blob plain = batch(kCodecs[c], 5, 0, false);
      const Blob txn = cat({batch(kCodecs[c], 4, 5, true), marker(9, kwire::protocol::records::ControlType::abort)});
      msg::FetchResponse r;
      msg::FetchResponse::FetchableTopicResponse topic;
      topic.topic = "orders";
      for (std::int32_t p = 0; p < 2; ++p) {
        msg::FetchResponse::FetchableTopicResponse::PartitionData data;
        data.partition_index = p;
        data.high_watermark = 10;
        data.last_stable_offset = 10;
        data.records = kwire::protocol::Bytes(p == 0 ? plain : txn);
        if (p == 1) {
          msg::FetchResponse::FetchableTopicResponse::PartitionData::AbortedTransaction aborted;
          aborted.producer_id = 4242;
          aborted.first_offset = 5;
          data.aborted_transactions = std::vector{aborted};
        }
        topic.partitions.push_back(data);
      }
      r.responses.push_back(topic);
      kwire::protocol::Writer w;
      w.u8(static_cast<std::uint8_t>(v));
      r.encode(w, v);
      write("fetch_response_fuzz", "v" + std::to_string(v) + "-" + kCodecNames[c], w.release());
    }
  }
}

// An ApiVersions answer body (after the correlation id) listing every API
// kwire knows, shaped for `version` (v0 when the error is UNSUPPORTED_VERSION).
Blob api_versions_answer(std::int16_t version, std::int16_t error, std::int16_t api_versions_max) {
  kwire::protocol::Writer w;
  w.i16(error);
  const bool flexible = version >= 3 && error != kwire::net::kUnsupportedVersionError;
  const auto apis = kwire::protocol::all_apis();
  flexible ? w.compact_array_length(apis.size()) : w.array_length(apis.size());
  for (const auto& api : apis) {
    w.i16(api.key);
    w.i16(api.min_version);
    w.i16(api.key == kwire::net::kApiVersionsKey ? api_versions_max : api.max_version);
    if (flexible) w.uvarint(0);
  }
  if (version >= 1 && error != kwire::net::kUnsupportedVersionError) w.i32(0);
  if (flexible) w.uvarint(0);
  return w.release();
}

Blob framed16(const Blob& body) {
  return cat({Blob{static_cast<std::uint8_t>(body.size() >> 8), static_cast<std::uint8_t>(body.size())}, body});
}

void api_versions_seeds() {
  for (std::int16_t v = 0; v <= 3; ++v)
    write("api_versions_fuzz", "v" + std::to_string(v), cat({Blob{static_cast<std::uint8_t>(v)}, framed16(api_versions_answer(v, 0, 3))}));
  // KIP-511: v3 refused with the broker's range (v2), then answered at v2.
  write("api_versions_fuzz", "v3-refused-then-v2",
        cat({Blob{3}, framed16(api_versions_answer(3, 35, 2)), framed16(api_versions_answer(2, 0, 2))}));
  // librdkafka's mock: a refusal that does not parse, then v0.
  write("api_versions_fuzz", "v3-unparsable-then-v0", cat({Blob{3}, framed16(Blob{0, 35, 0xff}), framed16(api_versions_answer(0, 0, 3))}));
}

void frame_seeds() {
  // Response frames: header v0 and v1 (with a tagged field), several per stream.
  const Blob v0 = {0, 0, 0, 10, 0, 0, 0, 7, 0, 0, 0, 0, 0, 1};
  const Blob v1 = {0, 0, 0, 9, 0, 0, 0, 8, 1, 3, 1, 0x2a, 0};
  for (std::uint8_t read : {0, 1, 3, 200}) {
    write("frame_reader_fuzz", "frames-read" + std::to_string(read), cat({Blob{10, read}, v0, v1, v0}));
  }
  write("frame_reader_fuzz", "too-large", cat({Blob{2, 0}, Blob{0x7f, 0xff, 0xff, 0xff, 0, 0}}));
  write("frame_reader_fuzz", "too-small", cat({Blob{10, 0}, Blob{0, 0, 0, 2, 0, 1}}));
}

void scram_seeds() {
  using kwire::net::ScramHash;
  const ScramHash hashes[] = {ScramHash::sha1, ScramHash::sha256, ScramHash::sha512};
  const Blob salt = text("saltsaltsalt");
  for (std::uint8_t h = 0; h < 3; ++h) {
    const std::string first = "r=fyyzSERVERNONCE,s=" + kwire::net::base64_encode(salt) + ",i=4096";
    // The exchange the client computes (RFC 5802): auth message, server signature.
    const std::string auth = "n=user,r=fyyz," + first + ",c=biws,r=fyyzSERVERNONCE";
    auto keys = kwire::net::derive_scram_keys(hashes[h], "pencil", salt, 4096);
    auto signature = kwire::net::scram_hmac(hashes[h], keys.server_key, kwire::protocol::as_bytes(auth));
    const std::string final_message = "v=" + kwire::net::base64_encode(signature);
    write("scram_fuzz", "exchange-" + std::to_string(h), cat({Blob{h}, text(first), Blob{0}, text(final_message)}));
    write("scram_fuzz", "server-error-" + std::to_string(h), cat({Blob{h}, text(first), Blob{0}, text("e=invalid-proof")}));
  }
  write("scram_fuzz", "extension", cat({Blob{1}, text("m=ext,r=fyyzX,s=c2FsdA==,i=4096")}));
}

void jaas_seeds() {
  // Byte 0 indexes jaas_fuzz's key table.
  write("jaas_fuzz", "plain", cat({Blob{0}, text("org.apache.kafka.common.security.plain.PlainLoginModule required "
                                                 "username=\"alice\" password=\"s3cret\";")}));
  write("jaas_fuzz", "scram", cat({Blob{0}, text("org.apache.kafka.common.security.scram.ScramLoginModule required\t"
                                                 "username = \"bob\"  password= \"p=w\" ;")}));
  write("jaas_fuzz", "protocol", cat({Blob{1}, text("SASL_SSL")}));
  write("jaas_fuzz", "mechanism", cat({Blob{2}, text("SCRAM-SHA-512")}));
  write("jaas_fuzz", "identification", cat({Blob{7}, text("https")}));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: kwire_fuzz_seeds OUT_DIR\n";
    return 2;
  }
  out_root = argv[1];
  message_seeds();
  record_seeds();
  fetch_seeds();
  api_versions_seeds();
  frame_seeds();
  scram_seeds();
  jaas_seeds();
  return 0;
}
