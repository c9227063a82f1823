// CheckReport (see check_report.hpp).
#include "check_report.hpp"

#include "kwire/protocol/api_table.hpp"

namespace kwire::tool::wire {

namespace {

constexpr std::size_t kListedViolations = 200;

std::string api_name(std::int16_t key) {
  const auto* api = protocol::find_api(key);
  return api ? std::string(api->name) : "API " + std::to_string(key);
}

Json violation_json(const Violation& v, std::size_t stream_offset) {
  Json j = Json::object();
  j.set("kind", Json::string(v.kind));
  j.set("path", Json::string(v.path));
  j.set("offset", Json::integer(static_cast<std::int64_t>(v.offset)));
  j.set("stream_offset", Json::integer(static_cast<std::int64_t>(stream_offset)));
  j.set("detail", Json::string(v.detail));
  return j;
}

void print_line(std::FILE* out, const Json& j) {
  std::fputs(j.dump(0).c_str(), out);
  std::fputc('\n', out);
}

}  // namespace

CheckReport::CheckReport(const CaptureAnalysis& analysis, std::FILE* json_lines)
    : analysis_(analysis), json_(json_lines) {}

std::string CheckReport::where(std::size_t connection, bool to_server) const {
  const auto& c = analysis_.paired.connections[connection];
  return to_server ? c.client.text() + " -> " + c.server.text() : c.server.text() + " -> " + c.client.text();
}

Json CheckReport::frame_identity(const CaptureAnalysis& analysis, const FrameInfo& f) {
  const auto& c = analysis.paired.connections[f.connection];
  Json j = Json::object();
  j.set("client", Json::string(c.client.text()));
  j.set("server", Json::string(c.server.text()));
  j.set("direction", Json::string(f.request ? "request" : "response"));
  j.set("packet", Json::integer(static_cast<std::int64_t>(f.frame.packet)));
  j.set("stream_offset", Json::integer(static_cast<std::int64_t>(f.frame.stream_offset)));
  j.set("size", Json::integer(static_cast<std::int64_t>(f.frame.body.size())));
  j.set("correlation_id", Json::integer(f.correlation_id));
  j.set("api_key", Json::integer(f.api_key));
  j.set("api", f.api_key >= 0 ? Json::string(api_name(f.api_key)) : Json());
  j.set("api_version", Json::integer(f.api_version));
  return j;
}

void CheckReport::note_violation(const std::string& place, const Violation& v, std::size_t stream_offset) {
  ++violations_;
  ++by_kind_[v.kind];
  if (listed_.size() < kListedViolations)
    listed_.push_back(place + ", offset " + std::to_string(v.offset) + " (stream " + std::to_string(stream_offset) +
                      "): " + v.kind + (v.path.empty() ? "" : " at " + v.path) + ": " + v.detail);
}

void CheckReport::add_frame(const FrameInfo& f, const FrameCheck& check) {
  ++frames_;
  decoded_ += check.decoded;
  identical_ += check.identical;
  if (f.request && !f.partner) ++unanswered_;
  Row& row = rows_[{f.api_key, f.api_version, f.request}];
  ++row.frames;
  row.decoded += check.decoded;
  row.identical += check.identical;
  std::vector<const Violation*> all;
  for (const auto& v : f.violations) all.push_back(&v);
  for (const auto& v : check.violations) all.push_back(&v);
  const std::string place = "packet " + std::to_string(f.frame.packet) + ", " + where(f.connection, f.request) + ", " +
                            (f.request ? "request " : "response ") + api_name(f.api_key) + " v" +
                            std::to_string(f.api_version) + " (correlation " + std::to_string(f.correlation_id) + ")";
  Json list = Json::array();
  for (const Violation* v : all) {
    note_violation(place, *v, f.frame.stream_offset + v->offset);
    list.push(violation_json(*v, f.frame.stream_offset + v->offset));
  }
  if (!json_) return;
  Json j = Json::object();
  j.set("type", Json::string("frame"));
  const Json identity = frame_identity(analysis_, f);
  for (const auto& [k, v] : identity.members()) j.set(k, v);
  j.set("message", Json::string(check.message));
  j.set("decoded", Json::boolean(check.decoded));
  j.set("identical", Json::boolean(check.identical));
  j.set("violations", std::move(list));
  print_line(json_, j);
}

void CheckReport::add_stream_problem(const StreamProblem& p) {
  note_violation("packet " + std::to_string(p.packet) + ", " + where(p.connection, p.to_server) + ", stream",
                 p.violation, p.violation.offset);
  if (!json_) return;
  Json j = Json::object();
  j.set("type", Json::string("stream"));
  j.set("from", Json::string(where(p.connection, p.to_server)));
  j.set("packet", Json::integer(static_cast<std::int64_t>(p.packet)));
  Json list = Json::array();
  list.push(violation_json(p.violation, p.violation.offset));
  j.set("violations", std::move(list));
  print_line(json_, j);
}

void CheckReport::finish(std::FILE* table) {
  const auto& a = analysis_;
  if (json_) {
    Json j = Json::object();
    j.set("type", Json::string("summary"));
    j.set("format", Json::string(a.capture.format));
    j.set("packets", Json::integer(static_cast<std::int64_t>(a.capture.packets.size())));
    j.set("tcp_segments", Json::integer(static_cast<std::int64_t>(a.tcp_segments)));
    j.set("connections", Json::integer(static_cast<std::int64_t>(a.paired.connections.size())));
    j.set("frames", Json::integer(static_cast<std::int64_t>(frames_)));
    j.set("decoded", Json::integer(static_cast<std::int64_t>(decoded_)));
    j.set("identical", Json::integer(static_cast<std::int64_t>(identical_)));
    j.set("violations", Json::integer(static_cast<std::int64_t>(violations_)));
    j.set("unanswered_requests", Json::integer(static_cast<std::int64_t>(unanswered_)));
    Json kinds = Json::object();
    for (const auto& [k, n] : by_kind_) kinds.set(k, Json::integer(static_cast<std::int64_t>(n)));
    j.set("violations_by_kind", std::move(kinds));
    print_line(json_, j);
  }
  if (!table) return;
  std::fprintf(table, "%s: %zu packets, %zu TCP segments, %zu Kafka connections, %zu frames\n",
               a.capture.format.c_str(), a.capture.packets.size(), a.tcp_segments, a.paired.connections.size(),
               frames_);
  if (!a.warning.empty()) std::fprintf(table, "note: %s\n", a.warning.c_str());
  for (const auto& [link, n] : a.unsupported_links)
    std::fprintf(table, "note: %zu packets of link type %u not decoded\n", n, link);
  if (a.ip_fragments) std::fprintf(table, "note: %zu IP fragments not reassembled\n", a.ip_fragments);
  if (a.paired.skipped_connections)
    std::fprintf(table, "note: %zu connections on other ports skipped\n", a.paired.skipped_connections);
  std::fprintf(table, "  %-28s %-8s %-9s %7s %8s %10s\n", "api", "version", "direction", "frames", "decoded",
               "identical");
  for (const auto& [key, row] : rows_) {
    const auto& [api, version, request] = key;
    std::fprintf(table, "  %-28s v%-7d %-9s %7zu %8zu %10zu\n", (api_name(api) + " (" + std::to_string(api) + ")").c_str(),
                 version, request ? "request" : "response", row.frames, row.decoded, row.identical);
  }
  if (violations_) {
    std::fprintf(table, "violations:\n");
    for (const auto& line : listed_) std::fprintf(table, "  %s\n", line.c_str());
    if (violations_ > listed_.size()) std::fprintf(table, "  ... and %zu more\n", violations_ - listed_.size());
  }
  std::fprintf(table, "frames %zu, decoded %zu, identical %zu, violations %zu, unanswered requests %zu\n", frames_,
               decoded_, identical_, violations_, unanswered_);
}

}  // namespace kwire::tool::wire
