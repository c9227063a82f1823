// Splitting a batch the broker refused as too large (see split_batch() in
// record_accumulator.hpp), as the Java client does. io thread only; the
// refused batch is no longer in any queue. Not a hot path: it may allocate.
#include <algorithm>
#include <string>
#include <vector>

#include "kwire/protocol/records/batch_reader.hpp"
#include "kwire/protocol/records/batch_segments.hpp"
#include "producer/accumulator/record_accumulator.hpp"

namespace kwire::detail {

namespace {

namespace records = protocol::records;

// One record decoded from the refused batch; its views point into the
// reader's buffers, which live as long as the split.
struct DecodedRecord {
  std::int64_t timestamp = 0;
  std::optional<Bytes> key;
  std::optional<Bytes> value;
  std::vector<Header> headers;
};

bool decode_all(records::BatchReader& reader, std::vector<DecodedRecord>& out) {
  if (!reader.next_batch()) return false;
  records::RecordView r;
  while (reader.next_record(r)) {
    DecodedRecord& d = out.emplace_back();
    d.timestamp = r.timestamp;
    d.key = r.key;
    d.value = r.value;
    for (const Header& h : r.headers) d.headers.push_back(h);
  }
  return !reader.error();
}

}  // namespace

std::vector<BatchPtr> RecordAccumulator::split_batch(ProducerBatch& refused) {
  std::vector<BatchPtr> parts;
  if (!refused.is_closed() || refused.record_count() < 2) return parts;
  // The closed bytes are the truth (compressed or with borrowed values
  // spliced in): read them back as a broker would.
  std::vector<std::uint8_t> flat;
  records::flatten(refused.records(), refused.references(), flat);
  records::BatchReader reader{Bytes(flat)};
  std::vector<DecodedRecord> decoded;
  decoded.reserve(static_cast<std::size_t>(refused.record_count()));
  if (!decode_all(reader, decoded) || decoded.size() != static_cast<std::size_t>(refused.record_count()))
    return parts;

  // At most half the refused batch's uncompressed size per part (a single
  // record larger than that still gets a part of its own).
  std::size_t total = records::BatchBuilder::overhead_bytes;
  for (std::size_t i = 0; i < decoded.size(); ++i) {
    const DecodedRecord& d = decoded[i];
    total += records::BatchBuilder::record_size(d.timestamp - decoded[0].timestamp, static_cast<std::int32_t>(i),
                                                d.key, d.value, d.headers);
  }
  const std::size_t limit = std::max<std::size_t>(total / 2, records::BatchBuilder::overhead_bytes + 1);

  std::vector<DeliveryEntry> entries = refused.take_entries();
  std::size_t next_entry = 0;  // entries are in record order
  std::size_t reservation = refused.take_reservation();
  std::size_t counted = refused.take_counted_records();
  auto new_part = [&]() {
    ProducerBatch::Options o;
    o.size_limit = limit;
    o.reserved_bytes = std::exchange(reservation, 0);
    o.expected_records = decoded.size();
    o.created = refused.created();
    o.delivery_timeout = refused.delivery_deadline() - refused.created();
    o.creation_order = refused.creation_order();
    o.copy_max_bytes = options_.copy_max_bytes;
    {
      std::lock_guard lock(incomplete_mu_);
      ++incomplete_[o.creation_order];  // flush() waits for every part
    }
    parts.push_back(std::make_unique<ProducerBatch>(refused.topic(), refused.partition(),
                                                    std::vector<std::uint8_t>(), o, this));
    return parts.back().get();
  };
  ProducerBatch* part = new_part();
  for (std::size_t i = 0; i < decoded.size(); ++i) {
    const DecodedRecord& d = decoded[i];
    if (!part->try_append_unreported(d.timestamp, d.key, d.value, d.headers)) {
      part->mark_full();
      part = new_part();
      // A fresh part accepts its first record whatever its size.
      const bool appended = part->try_append_unreported(d.timestamp, d.key, d.value, d.headers);
      (void)appended;
    }
    const std::int32_t index = part->record_count() - 1;
    while (next_entry < entries.size() && entries[next_entry].offset_delta == static_cast<std::int32_t>(i)) {
      DeliveryEntry entry = std::move(entries[next_entry++]);
      entry.offset_delta = index;
      part->add_entry(std::move(entry));
    }
  }
  for (BatchPtr& p : parts) {
    p->mark_full();  // nothing may be appended to a part
    const std::size_t n = std::min(counted, static_cast<std::size_t>(p->record_count()));
    p->add_counted_records(n);
    counted -= n;
    // The refused send was one more attempt; counting it also keeps the parts
    // ahead of newer batches when others come back for a retry (reenqueue).
    for (int a = 0; a <= refused.attempts(); ++a) p->prepare_retry(refused.retry_not_before());
  }
  return parts;
}

void RecordAccumulator::reenqueue_split(std::vector<BatchPtr> parts) { requeue_in_order(parts); }

}  // namespace kwire::detail
