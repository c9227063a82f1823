// `kwire wire decode|encode|check`: the protocol conformance tool. decode reads
// one size-prefixed frame (a request, or a response given its API key and
// version) from a file or stdin and prints it as JSON with the spec's field
// names; encode turns that JSON back into the frame. decode also checks that
// the generated message structs decode the frame and re-encode the same bytes.
// check and decode --pcap work on whole captures (check/).
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <fstream>
#include <string>
#include <vector>

#include "check/wire_check_command.hpp"
#include "commands.hpp"
#include "kwire/protocol/api_table.hpp"
#include "kwire/protocol/message_schema.hpp"
#include "wire_json.hpp"

namespace {

using namespace kwire::protocol;
using kwire::tool::Json;

constexpr const char* kUsage =
    "Usage: kwire wire decode [--response --api-key K --api-version V] [FILE]\n"
    "       kwire wire decode --pcap FILE [--port N[,N...]]...\n"
    "       kwire wire encode [-o OUT] [FILE]\n"
    "       kwire wire check FILE.pcap|FILE.pcapng [--port N[,N...]]... [--json]\n"
    "decode reads one size-prefixed Kafka frame (default: a request) from FILE or stdin\n"
    "and prints it as JSON; encode reads that JSON and writes the frame (to OUT or stdout).\n"
    "decode --pcap prints every frame of a capture as JSON lines; check checks every frame\n"
    "of a capture against the specs (kwire wire check --help).\n";

bool read_input(const char* path, std::vector<std::uint8_t>& out) {
  if (path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    out.assign(std::istreambuf_iterator<char>(in), {});
    return true;
  }
  out.assign(std::istreambuf_iterator<char>(std::cin), {});
  return true;
}

int fail(const std::string& why) {
  std::fprintf(stderr, "kwire wire: %s\n", why.c_str());
  return 1;
}

// Body and header must also decode with the generated structs, to the same bytes.
bool generated_agrees(const MessageSchema& m, std::int16_t version, Bytes bytes) {
  auto rt = round_trip_message(m, version, bytes);
  if (rt.error) {
    std::fprintf(stderr, "kwire wire: generated %.*s v%d rejects the bytes: %s\n", static_cast<int>(m.name.size()),
                 m.name.data(), version, rt.error.message().c_str());
    return false;
  }
  if (rt.consumed != bytes.size() || rt.encoded != std::vector<std::uint8_t>(bytes.begin(), bytes.end())) {
    std::fprintf(stderr, "kwire wire: generated %.*s v%d re-encodes different bytes\n",
                 static_cast<int>(m.name.size()), m.name.data(), version);
    return false;
  }
  return true;
}

int decode(int argc, char** argv) {
  for (int i = 0; i < argc; ++i)
    if (std::strcmp(argv[i], "--pcap") == 0) return kwire::tool::wire::run_decode_pcap(argc, argv);
  bool response = false;
  int api_key = -1, api_version = -1;
  const char* path = nullptr;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--response") response = true;
    else if (a == "--request") response = false;
    else if (a == "--api-key" && i + 1 < argc) api_key = std::atoi(argv[++i]);
    else if (a == "--api-version" && i + 1 < argc) api_version = std::atoi(argv[++i]);
    else if (a == "--help") return std::fputs(kUsage, stdout), 0;
    else if (!a.empty() && a[0] != '-') path = argv[i];
    else return std::fputs(kUsage, stderr), 2;
  }
  std::vector<std::uint8_t> in;
  if (!read_input(path, in)) return fail("cannot read input");
  Reader frame(in);
  const std::int32_t size = frame.i32();
  if (!frame.ok() || size < 0 || static_cast<std::size_t>(size) != frame.remaining())
    return fail("input is not one size-prefixed frame (" + std::to_string(in.size()) + " bytes)");
  Bytes body = frame.rest();
  if (!response) {
    Reader peek(body);
    api_key = peek.i16();
    api_version = peek.i16();
    if (!peek.ok()) return fail("frame too short for a request header");
  } else if (api_key < 0 || api_version < 0) {
    return std::fputs(kUsage, stderr), 2;
  }
  const auto key = static_cast<std::int16_t>(api_key);
  const auto version = static_cast<std::int16_t>(api_version);
  const auto header_version = response ? response_header_version(key, version) : request_header_version(key, version);
  const MessageSchema* header = find_message_schema(response ? "ResponseHeader" : "RequestHeader");
  const MessageSchema* message = find_message_schema(response ? MessageKind::response : MessageKind::request, key);
  if (header_version < 0 || !header || !message) return fail("unknown API key " + std::to_string(api_key));
  if (!message->valid.contains(version)) return fail("unsupported version " + std::to_string(api_version));

  Reader r(body);
  Json out = Json::object();
  out.set("kind", Json::string(response ? "response" : "request"));
  out.set("api_key", Json::integer(key));
  out.set("api_version", Json::integer(version));
  out.set("header_version", Json::integer(header_version));
  out.set("header", kwire::tool::message_to_json(*header, header_version, r));
  const std::size_t header_size = r.position();
  out.set("message", Json::string(std::string(message->name)));
  out.set("body", kwire::tool::message_to_json(*message, version, r));
  if (!r.ok()) return fail("cannot decode: " + r.error().message() + " at byte " + std::to_string(r.position()));
  if (r.remaining()) return fail(std::to_string(r.remaining()) + " bytes after the message");
  std::fputs(out.dump().c_str(), stdout);
  std::fputc('\n', stdout);
  const bool agrees = generated_agrees(*header, header_version, body.first(header_size)) &&
                      generated_agrees(*message, version, body.subspan(header_size));
  return agrees ? 0 : 1;
}

int encode(int argc, char** argv) {
  const char* path = nullptr;
  const char* out_path = nullptr;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-o" && i + 1 < argc) out_path = argv[++i];
    else if (a == "--help") return std::fputs(kUsage, stdout), 0;
    else if (!a.empty() && a[0] != '-') path = argv[i];
    else return std::fputs(kUsage, stderr), 2;
  }
  std::vector<std::uint8_t> in;
  if (!read_input(path, in)) return fail("cannot read input");
  Json doc;
  std::string error;
  if (!Json::parse(std::string(in.begin(), in.end()), doc, &error)) return fail(error);
  const Json* kind = doc.find("kind");
  const Json* key = doc.find("api_key");
  const Json* version = doc.find("api_version");
  const Json* header_version = doc.find("header_version");
  const Json* header = doc.find("header");
  const Json* body = doc.find("body");
  if (!kind || !key || !version || !header_version || !header || !body) return fail("missing kind, api_key, api_version, header_version, header or body");
  const bool response = kind->as_string() == "response";
  const MessageSchema* hs = find_message_schema(response ? "ResponseHeader" : "RequestHeader");
  const MessageSchema* ms = find_message_schema(response ? MessageKind::response : MessageKind::request,
                                                static_cast<std::int16_t>(key->as_int()));
  if (!hs || !ms) return fail("unknown API key");
  const auto hv = static_cast<std::int16_t>(header_version->as_int());
  const auto v = static_cast<std::int16_t>(version->as_int());
  if (!hs->valid.contains(hv) || !ms->valid.contains(v)) return fail("unsupported version");
  Writer w;
  const std::size_t size_at = w.reserve_i32();
  if (!kwire::tool::json_to_message(*hs, hv, *header, w, &error)) return fail("header: " + error);
  if (!kwire::tool::json_to_message(*ms, v, *body, w, &error)) return fail("body: " + error);
  w.patch_i32(size_at, static_cast<std::int32_t>(w.size() - 4));
  std::FILE* out = out_path ? std::fopen(out_path, "wb") : stdout;
  if (!out) return fail("cannot open output");
  const auto& bytes = w.owned();
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), out) == bytes.size();
  if (out_path) std::fclose(out);
  return ok ? 0 : fail("write failed");
}

}  // namespace

int run_wire(int argc, char** argv) {
  // argv[1] is "wire", argv[2] the action.
  if (argc < 3) return std::fputs(kUsage, stderr), 2;
  std::string action = argv[2];
  if (action == "decode") return decode(argc - 3, argv + 3);
  if (action == "encode") return encode(argc - 3, argv + 3);
  if (action == "check") return kwire::tool::wire::run_check(argc - 3, argv + 3);
  if (action == "--help" || action == "-h") return std::fputs(kUsage, stdout), 0;
  std::fputs(kUsage, stderr);
  return 2;
}
