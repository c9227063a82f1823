// See field_comparison.hpp.
#include "field_comparison.hpp"

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "kwire/protocol/records/batch_reader.hpp"

namespace kwire::test::conformance {

using kwire::tool::Json;

namespace {

// tshark field -> the spec field names it shows (in the header or body of
// the requests kwire sends).
struct Mapping {
  const char* tshark;
  std::vector<const char*> spec;
  bool bytes = false;  // tshark shows aa:bb:..., the decoder plain hex
};

const std::vector<Mapping>& mappings() {
  static const std::vector<Mapping> table = {
      {"kafka.client_id", {"ClientId"}},
      {"kafka.transactional_id", {"TransactionalId", "V3AndBelowTransactionalId"}},
      {"kafka.producer_id", {"ProducerId", "V3AndBelowProducerId"}},
      {"kafka.producer_epoch", {"ProducerEpoch", "V3AndBelowProducerEpoch"}},
      {"kafka.topic_name", {"Name", "Topic"}},  // Fetch names it Topic
      {"kafka.required_acks", {"Acks"}},
      {"kafka.timeout", {"TimeoutMs"}},
      {"kafka.transaction_timeout", {"TransactionTimeoutMs"}},
      {"kafka.transaction_result", {"Committed"}},
      {"kafka.consumer_group", {"GroupId"}},
      {"kafka.coordinator_key", {"Key"}},
      {"kafka.coordinator_type", {"KeyType"}},
      {"kafka.generation_id", {"GenerationId"}},
      {"kafka.member_id", {"MemberId"}},
      {"kafka.consumer_group_instance", {"GroupInstanceId"}},
      {"kafka.allow_auto_topic_creation", {"AllowAutoTopicCreation"}},
      {"kafka.include_cluster_authorized_ops", {"IncludeClusterAuthorizedOperations"}},
      {"kafka.include_topic_authorized_ops", {"IncludeTopicAuthorizedOperations"}},
      {"kafka.metadata", {"CommittedMetadata"}},
      {"kafka.isolation_level", {"IsolationLevel"}},
      {"kafka.max_wait_time", {"MaxWaitMs"}},
      {"kafka.min_bytes", {"MinBytes"}},
      {"kafka.max_bytes", {"MaxBytes", "PartitionMaxBytes"}},
      {"kafka.fetch_session_id", {"SessionId"}},
      {"kafka.fetch_session_epoch", {"SessionEpoch"}},
      {"kafka.replica_id", {"ReplicaId"}},
      {"kafka.client_software_name", {"ClientSoftwareName"}},
      {"kafka.client_software_version", {"ClientSoftwareVersion"}},
      {"kafka.sasl_mechanism", {"Mechanism"}},
      {"kafka.sasl_authentication", {"AuthBytes"}, true},
  };
  return table;
}

std::string text_of(const Json& v) {
  switch (v.type()) {
    case Json::Type::null: return "<null>";
    case Json::Type::boolean: return v.as_bool() ? "1" : "0";
    case Json::Type::integer: return std::to_string(v.as_int());
    case Json::Type::string: return v.as_string();
    default: return v.dump(0);
  }
}

// tshark prints a null string as "[ Null ]", booleans as "1"/"0".
std::string normalise_tshark(const std::string& value) {
  if (value == "[ Null ]") return "<null>";
  if (value == "True" || value == "true") return "1";
  if (value == "False" || value == "false") return "0";
  return value;
}

std::string hex_colons(kwire::protocol::Bytes b) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i) out += ':';
    out += digits[b[i] >> 4];
    out += digits[b[i] & 15];
  }
  return out;
}

std::vector<std::uint8_t> from_hex(const std::string& hex) {
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// kwire's reading of one records blob, as tshark names the fields: the
// batch header, then each record's value.
std::vector<std::vector<std::pair<std::string, std::string>>> kwire_batches(const std::string& hex,
                                                                            std::string& error) {
  std::vector<std::vector<std::pair<std::string, std::string>>> out;
  const auto bytes = from_hex(hex);
  kwire::protocol::records::BatchReader reader(kwire::protocol::Bytes(bytes.data(), bytes.size()));
  while (reader.next_batch()) {
    const auto& b = reader.batch();
    char crc[16];
    std::snprintf(crc, sizeof crc, "0x%08x", b.crc);
    std::vector<std::pair<std::string, std::string>> f = {
        {"kafka.offset", std::to_string(b.base_offset)},
        {"kafka.leader_epoch", std::to_string(b.partition_leader_epoch)},
        {"kafka.message_magic", std::to_string(b.magic)},
        {"kafka.batch_crc", crc},
        {"kafka.batch_codec", std::to_string(static_cast<int>(b.codec))},
        {"kafka.batch_transactional", b.transactional ? "1" : "0"},
        {"kafka.batch_control_batch", b.control ? "1" : "0"},
        {"kafka.batch_last_offset_delta", std::to_string(b.last_offset_delta)},
        {"kafka.producer_id", std::to_string(b.producer_id)},
        {"kafka.producer_epoch", std::to_string(b.producer_epoch)},
        {"kafka.batch_base_sequence", std::to_string(b.base_sequence)},
        {"kafka.batch_size", std::to_string(b.record_count)},
    };
    kwire::protocol::records::RecordView r;
    while (reader.next_record(r)) {
      f.emplace_back("kafka.offset", std::to_string(r.offset - b.base_offset));
      f.emplace_back("kafka.message_value", r.value ? hex_colons(*r.value) : "<null>");
    }
    out.push_back(std::move(f));
  }
  if (reader.error()) error = reader.error().message();
  return out;
}

// Values of members named `name` anywhere under `v`.
void collect(const Json& v, std::string_view name, std::vector<std::string>& out) {
  if (v.type() == Json::Type::object) {
    for (const auto& [key, child] : v.members()) {
      if (key == name && child.type() != Json::Type::object && child.type() != Json::Type::array) {
        out.push_back(text_of(child));
      } else if (key == name && child.type() == Json::Type::array) {
        bool scalars = true;
        for (const auto& item : child.items())
          if (item.type() == Json::Type::object || item.type() == Json::Type::array) scalars = false;
        if (scalars)
          for (const auto& item : child.items()) out.push_back(text_of(item));
        else
          collect(child, name, out);
      } else {
        collect(child, name, out);
      }
    }
  } else if (v.type() == Json::Type::array) {
    for (const auto& item : v.items()) collect(item, name, out);
  }
}

void walk_fields(const Json& v, std::vector<std::pair<std::string, std::string>>& out) {
  for (const auto& [key, child] : v.members()) {
    if (child.type() == Json::Type::object) walk_fields(child, out);
    else if (child.type() == Json::Type::string && key.rfind("kafka.", 0) == 0) out.emplace_back(key, child.as_string());
  }
}

void walk_tshark(const Json& v, TsharkPdu& pdu) {
  for (const auto& [key, child] : v.members()) {
    if (key == "Record Batch") {
      pdu.batches.emplace_back();
      walk_fields(child, pdu.batches.back());
      continue;
    }
    if (key == "_ws.expert") {
      for (const auto& [ekey, evalue] : child.members())
        if (ekey.rfind("kafka.", 0) == 0) pdu.experts.push_back(ekey);
      continue;
    }
    if (child.type() == Json::Type::object) {
      walk_tshark(child, pdu);
    } else if (child.type() == Json::Type::string && key.rfind("kafka.", 0) == 0) {
      pdu.fields.emplace_back(key, child.as_string());
    }
  }
}

std::int64_t int_field(const TsharkPdu& pdu, std::string_view name) {
  for (const auto& [k, v] : pdu.fields)
    if (k == name) return std::stoll(v);
  return -1;
}

}  // namespace

const TsharkDefect* known_tshark_defect(const TsharkPdu& pdu) {
  static const TsharkDefect defects[] = {
      {36, 0, 1, "kafka.sasl_authentication", "kafka.pdu_length_mismatch",
       "SaslAuthenticate v0-1 auth bytes shown as missing"},
  };
  for (const auto& d : defects)
    if (pdu.api_key == d.api_key && pdu.api_version >= d.min_version && pdu.api_version <= d.max_version) return &d;
  return nullptr;
}

bool TsharkPdu::version_unknown() const {
  return std::find(experts.begin(), experts.end(), "kafka.unsupported_api_version") != experts.end();
}

std::vector<TsharkPdu> tshark_pdus(const Json& packets, const std::vector<std::uint16_t>& broker_ports) {
  std::vector<TsharkPdu> out;
  for (const auto& packet : packets.items()) {
    const Json* source = packet.find("_source");
    const Json* layers = source ? source->find("layers") : nullptr;
    if (layers == nullptr) continue;
    const Json* tcp = layers->find("tcp");
    if (tcp == nullptr) continue;
    const auto src = static_cast<std::uint16_t>(std::stoi(tcp->find("tcp.srcport")->as_string()));
    const auto dst = static_cast<std::uint16_t>(std::stoi(tcp->find("tcp.dstport")->as_string()));
    for (const auto& [key, layer] : layers->members()) {
      if (key != "kafka") continue;
      TsharkPdu pdu;
      pdu.src_port = src;
      pdu.dst_port = dst;
      pdu.request = std::find(broker_ports.begin(), broker_ports.end(), dst) != broker_ports.end();
      walk_tshark(layer, pdu);
      pdu.api_key = int_field(pdu, "kafka.api_key");
      pdu.api_version = int_field(pdu, "kafka.api_version");
      pdu.correlation_id = int_field(pdu, "kafka.correlation_id");
      out.push_back(std::move(pdu));
    }
  }
  return out;
}

FieldReport compare_request(const TsharkPdu& pdu, const Json& frame) {
  FieldReport report;
  const Json* header = frame.find("header");
  const Json* body = frame.find("body");
  const std::string where = "API " + std::to_string(pdu.api_key) + " v" + std::to_string(pdu.api_version) +
                            " correlation " + std::to_string(pdu.correlation_id) + ": ";
  if (header == nullptr || body == nullptr) {
    report.mismatches.push_back(where + "the decoder has no header or body");
    return report;
  }
  const TsharkDefect* defect = known_tshark_defect(pdu);
  for (const auto& m : mappings()) {
    if (defect != nullptr && std::string_view(m.tshark) == defect->field) continue;
    std::vector<std::string> theirs;
    for (const auto& [k, v] : pdu.fields)
      if (k == m.tshark) theirs.push_back(normalise_tshark(v));
    std::vector<std::string> ours;
    for (const char* name : m.spec) {
      collect(*header, name, ours);
      collect(*body, name, ours);
    }
    if (m.bytes)
      for (auto& o : ours) {
        const auto raw = from_hex(o);
        o = hex_colons(kwire::protocol::Bytes(raw.data(), raw.size()));
      }
    if (theirs.empty()) continue;  // tshark does not show this field here
    ++report.compared_fields;
    std::sort(theirs.begin(), theirs.end());
    std::sort(ours.begin(), ours.end());
    if (theirs != ours) {
      std::string line = where + m.tshark + ": tshark";
      for (const auto& t : theirs) line += " [" + t + "]";
      line += ", decoder";
      for (const auto& o : ours) line += " [" + o + "]";
      report.mismatches.push_back(line);
    }
  }
  // Record batches, in order.
  std::vector<std::string> blobs;
  collect(*body, "Records", blobs);
  std::vector<std::vector<std::pair<std::string, std::string>>> ours;
  for (const auto& hex : blobs) {
    std::string error;
    for (auto& b : kwire_batches(hex, error)) ours.push_back(std::move(b));
    if (!error.empty()) report.mismatches.push_back(where + "kwire's BatchReader: " + error);
  }
  if (ours.size() != pdu.batches.size()) {
    report.mismatches.push_back(where + std::to_string(pdu.batches.size()) + " batches for tshark, " +
                                std::to_string(ours.size()) + " for kwire");
    return report;
  }
  for (std::size_t i = 0; i < ours.size(); ++i) {
    // tshark's batch fields that kwire's reading names (its timestamps and
    // sizes aside), in the order tshark shows them.
    std::vector<std::pair<std::string, std::string>> theirs;
    for (const auto& field : pdu.batches[i]) {
      const std::string& name = field.first;
      const bool named = std::any_of(ours[i].begin(), ours[i].end(), [&](const auto& o) { return o.first == name; });
      if (named) theirs.emplace_back(name, normalise_tshark(field.second));
    }
    report.compared_fields += static_cast<int>(theirs.size());
    auto sorted_ours = ours[i];
    std::sort(theirs.begin(), theirs.end());
    std::sort(sorted_ours.begin(), sorted_ours.end());
    if (theirs != sorted_ours) {
      std::string line = where + "record batch " + std::to_string(i) + ": tshark";
      for (const auto& [k, v] : theirs) line += " " + k + "=" + v;
      line += "; kwire";
      for (const auto& [k, v] : sorted_ours) line += " " + k + "=" + v;
      report.mismatches.push_back(line);
    }
  }
  return report;
}

}  // namespace kwire::test::conformance
