// SASL PLAIN: authzid empty, then user name and password, NUL-separated.
#include "kwire/net/sasl/plain_client.hpp"

namespace kwire::net {

std::vector<std::uint8_t> PlainClient::initial_response() {
  sent_ = true;
  std::vector<std::uint8_t> out;
  out.reserve(2 + username_.size() + password_.reveal().size());
  out.push_back(0);
  out.insert(out.end(), username_.begin(), username_.end());
  out.push_back(0);
  auto pw = password_.reveal();
  out.insert(out.end(), pw.begin(), pw.end());
  return out;
}

SaslStep PlainClient::on_server_message(protocol::Bytes) {
  // The broker answers PLAIN with empty auth bytes and an error code; a
  // second answer means the peer is confused.
  if (!sent_ || done_) return {make_error_code(sasl_errc::unexpected_message), false, {}};
  done_ = true;
  return {{}, true, {}};
}

}  // namespace kwire::net
