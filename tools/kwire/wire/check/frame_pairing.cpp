// pair_frames (see frame_pairing.hpp).
#include "frame_pairing.hpp"

#include <algorithm>
#include <deque>

#include "byte_cursor.hpp"
#include "kwire/protocol/api_table.hpp"
#include "kwire/protocol/message_schema.hpp"
#include "kwire/protocol/messages/api_versions_response.hpp"
#include "kwire/protocol/wire/reader.hpp"

namespace kwire::tool::wire {

namespace {

constexpr std::int16_t kApiVersions = 18;
constexpr std::int16_t kUnsupportedVersion = 35;

struct Header {
  std::int16_t key = -1, version = -1;
  std::int32_t correlation_id = 0;
  bool complete = false;
};

Header request_header(protocol::Bytes body) {
  ByteCursor c(body);
  Header h;
  h.key = static_cast<std::int16_t>(c.u16());
  h.version = static_cast<std::int16_t>(c.u16());
  h.correlation_id = static_cast<std::int32_t>(c.u32());
  h.complete = c.ok();
  return h;
}

bool known_version(std::int16_t key, std::int16_t version) {
  const auto* schema = protocol::find_message_schema(protocol::MessageKind::request, key);
  return schema && schema->valid.contains(version);
}

// A client's first frame starts with a known API key and version and a client
// id that fits; a response starting that way is unlikely.
bool looks_like_request(const TcpStream& s) {
  if (s.bytes.size() < 14) return false;
  Header h = request_header(protocol::Bytes(s.bytes).subspan(4));
  if (!known_version(h.key, h.version)) return false;
  const auto id_length = static_cast<std::int16_t>((s.bytes[12] << 8) | s.bytes[13]);
  return id_length >= -1 && static_cast<std::size_t>(std::max<int>(id_length, 0)) + 14 <= s.bytes.size();
}

// Which of a and b is the client, and how we know; nullopt to skip the connection.
std::optional<std::pair<int, const char*>> client_side(const TcpConnection& c, const PairingOptions& o) {
  const bool a_port = o.kafka_ports.count(c.a.from.port) > 0, b_port = o.kafka_ports.count(c.b.from.port) > 0;
  if (o.only_kafka_ports && !a_port && !b_port) return std::nullopt;
  if (c.syn_side) return std::make_pair(*c.syn_side, "SYN");
  if (a_port != b_port) return std::make_pair(a_port ? 1 : 0, "port");
  const bool a_req = looks_like_request(c.a), b_req = looks_like_request(c.b);
  if (a_req != b_req) return std::make_pair(a_req ? 0 : 1, "first frame");
  // Servers listen on the lower, fixed port; clients get ephemeral ones.
  return std::make_pair(c.a.from.port > c.b.from.port ? 0 : 1, "port numbers");
}

using Ranges = std::map<std::int16_t, std::pair<std::int16_t, std::int16_t>>;

// The ranges an ApiVersions answer advertises; empty when it is an error or does not parse.
Ranges advertised(protocol::Bytes frame, std::int16_t version) {
  protocol::Reader r(frame);
  r.i32();  // correlation id: the response header is v0 for ApiVersions
  protocol::Reader peek(r.rest());
  if (peek.i16() == kUnsupportedVersion) return {};
  protocol::messages::ApiVersionsResponse resp;
  Ranges out;
  if (resp.decode(r, version) || !r.ok() || resp.error_code != 0) return out;
  for (const auto& api : resp.api_keys) out[api.api_key] = {api.min_version, api.max_version};
  return out;
}

}  // namespace

PairedCapture pair_frames(const std::vector<TcpConnection>& connections, const PairingOptions& options) {
  PairedCapture out;
  for (const auto& c : connections) {
    auto side = client_side(c, options);
    if (!side) {
      ++out.skipped_connections;
      continue;
    }
    const TcpStream& client = side->first == 0 ? c.a : c.b;
    const TcpStream& server = side->first == 0 ? c.b : c.a;
    const std::size_t index = out.connections.size();
    out.connections.push_back({client.from, server.from, c.first_packet, side->second, &client, &server});
    for (bool to_server : {true, false}) {
      const TcpStream& s = to_server ? client : server;
      SplitStream split = split_frames(s, options.max_frame_bytes);
      for (auto& f : split.frames) {
        FrameInfo info;
        info.connection = index;
        info.request = to_server;
        info.frame = f;
        out.frames.push_back(std::move(info));
      }
      if (split.problem)
        out.stream_problems.push_back({index, to_server, s.packet_at(split.problem->offset), *split.problem});
      if (s.conflict_at)
        out.stream_problems.push_back({index, to_server, s.packet_at(*s.conflict_at),
                                       {"tcp_conflicting_retransmission", "", *s.conflict_at,
                                        "a retransmitted segment carried different bytes"}});
    }
  }
  std::stable_sort(out.frames.begin(), out.frames.end(), [](const FrameInfo& x, const FrameInfo& y) {
    return x.frame.packet < y.frame.packet;
  });

  std::map<Endpoint, Ranges> ranges_of;  // broker endpoint -> what its ApiVersions advertised
  std::map<std::pair<std::size_t, std::int32_t>, std::deque<std::size_t>> waiting;  // (connection, id) -> requests
  for (std::size_t i = 0; i < out.frames.size(); ++i) {
    FrameInfo& f = out.frames[i];
    const ConnectionInfo& conn = out.connections[f.connection];
    auto violation = [&](const char* kind, std::size_t offset, std::string detail) {
      f.violations.push_back({kind, "", offset, std::move(detail)});
    };
    if (f.request) {
      Header h = request_header(f.frame.body);
      if (!h.complete) {
        violation("truncated", 4, "a frame of " + std::to_string(f.frame.body.size()) + " bytes has no request header");
        continue;
      }
      f.api_key = h.key;
      f.api_version = h.version;
      f.correlation_id = h.correlation_id;
      if (!protocol::find_api(h.key)) {
        violation("unknown_api_key", 4, "API key " + std::to_string(h.key) + " is in no spec");
      } else if (!known_version(h.key, h.version)) {
        violation("unsupported_version", 6, "version " + std::to_string(h.version) + " of API " +
                                                std::to_string(h.key) + " is in no spec");
      } else {
        f.decodable = true;
      }
      auto known = ranges_of.find(conn.server);
      if (f.decodable && h.key != kApiVersions && known != ranges_of.end()) {
        auto range = known->second.find(h.key);
        if (range == known->second.end())
          violation("api_not_advertised", 4, "the broker's ApiVersions did not list API " + std::to_string(h.key));
        else if (h.version < range->second.first || h.version > range->second.second)
          violation("version_not_advertised", 6,
                    "version " + std::to_string(h.version) + " outside the broker's " +
                        std::to_string(range->second.first) + "-" + std::to_string(range->second.second));
      }
      waiting[{f.connection, h.correlation_id}].push_back(i);
      continue;
    }
    ByteCursor c(f.frame.body);
    f.correlation_id = static_cast<std::int32_t>(c.u32());
    if (!c.ok()) {
      violation("truncated", 4, "a response of " + std::to_string(f.frame.body.size()) + " bytes has no correlation id");
      continue;
    }
    auto w = waiting.find({f.connection, f.correlation_id});
    if (w == waiting.end() || w->second.empty()) {
      violation("response_to_no_request", 4,
                "correlation id " + std::to_string(f.correlation_id) + " matches no request on this connection");
      continue;
    }
    const std::size_t req = w->second.front();
    w->second.pop_front();
    FrameInfo& request = out.frames[req];
    f.partner = req;
    request.partner = i;
    f.api_key = request.api_key;
    f.api_version = request.api_version;
    f.decodable = request.decodable;
    if (f.decodable && f.api_key == kApiVersions) {
      auto ranges = advertised(f.frame.body, f.api_version);
      if (!ranges.empty()) ranges_of[conn.server] = std::move(ranges);
    }
  }
  return out;
}

}  // namespace kwire::tool::wire
