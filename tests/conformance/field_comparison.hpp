// Field-by-field comparison of two decoders that share no code: tshark's
// Kafka dissector and kwire's specs-driven decoder (`kwire wire decode
// --pcap`). Each request PDU tshark dissected is matched to the decoder's
// frame by (client port, correlation id); then, for every tshark field in
// the table below, the values tshark shows must be the values the decoder
// found under the spec's field names (as multisets, in any order). Versions
// tshark does not know (its expert info "unsupported API version") are
// reported as such and not compared. Tests only; any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "../../tools/kwire/wire/json.hpp"

namespace kwire::test::conformance {

// One Kafka PDU as tshark dissected it: every "kafka.*" field with its
// value, in order, and the expert infos it raised.
struct TsharkPdu {
  std::uint16_t src_port = 0, dst_port = 0;
  std::int64_t api_key = -1, api_version = -1, correlation_id = -1;
  bool request = false;
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<std::string> experts;  // expert info field names (kafka.bad_varint, ...)
  // Each record batch's fields (Produce), values of its records included.
  std::vector<std::vector<std::pair<std::string, std::string>>> batches;
  bool version_unknown() const;
};

// Every Kafka PDU of tshark's -T json output (several per packet possible).
std::vector<TsharkPdu> tshark_pdus(const kwire::tool::Json& packets, const std::vector<std::uint16_t>& broker_ports);

// A misreading of tshark 4.0's Kafka dissector, in frames that are right:
// it shows SaslAuthenticate v0-1's auth bytes (a plain BYTES field) as
// <MISSING> and flags the request and the response "Dissected message does
// not end at the pdu length offset", while kwire's decoder, the hand-written
// SaslServer and the raw bytes agree. The field and that expert info are not
// compared in such PDUs (every other field is); the matrix names the defect.
struct TsharkDefect {
  std::int64_t api_key, min_version, max_version;
  const char* field;   // tshark field not compared
  const char* expert;  // expert info expected from the defect
  const char* what;    // for the matrix
};
const TsharkDefect* known_tshark_defect(const TsharkPdu& pdu);

struct FieldReport {
  int compared_fields = 0;            // (tshark field, frame) pairs compared
  std::vector<std::string> mismatches;  // one line each
};

// Compares a request PDU with the decoder's frame (a `decode --pcap` line);
// record batches (the decoder shows their bytes) are read with kwire's
// BatchReader and compared with tshark's batch and record fields.
FieldReport compare_request(const TsharkPdu& pdu, const kwire::tool::Json& frame);

}  // namespace kwire::test::conformance
