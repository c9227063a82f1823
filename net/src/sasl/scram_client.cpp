// SCRAM client state machine (RFC 5802 section 3 and 5, without channel
// binding: the GS2 header is "n,,", so c=biws).
#include "kwire/net/sasl/scram_client.hpp"

#include <charconv>

#include <openssl/crypto.h>

namespace kwire::net {
namespace {

SaslStep fail(sasl_errc e) { return {make_error_code(e), false, {}}; }

// Splits "a=1,b=2" into its attributes, in order.
std::vector<std::string_view> split_attributes(std::string_view message) {
  std::vector<std::string_view> out;
  while (true) {
    auto comma = message.find(',');
    out.push_back(message.substr(0, comma));
    if (comma == std::string_view::npos) break;
    message.remove_prefix(comma + 1);
  }
  return out;
}

// The value of "k=value", or nullopt when the attribute has another name.
std::optional<std::string_view> attribute(std::string_view attr, char key) {
  if (attr.size() < 2 || attr[0] != key || attr[1] != '=') return std::nullopt;
  return attr.substr(2);
}

std::vector<std::uint8_t> to_bytes(std::string_view s) { return {s.begin(), s.end()}; }

}  // namespace

std::string scram_escape_username(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '=') out += "=3D";
    else if (c == ',') out += "=2C";
    else out += c;
  }
  return out;
}

ScramClient::ScramClient(ScramHash hash, std::string username, Secret password, std::string client_nonce)
    : hash_(hash), username_(std::move(username)), password_(std::move(password)), client_nonce_(std::move(client_nonce)) {}

std::string_view ScramClient::mechanism() const noexcept {
  switch (hash_) {
    case ScramHash::sha1: return "SCRAM-SHA-1";
    case ScramHash::sha256: return "SCRAM-SHA-256";
    case ScramHash::sha512: return "SCRAM-SHA-512";
  }
  return "SCRAM";
}

std::vector<std::uint8_t> ScramClient::initial_response() {
  client_first_bare_ = "n=" + scram_escape_username(username_) + ",r=" + client_nonce_;
  state_ = State::sent_first;
  return to_bytes("n,," + client_first_bare_);
}

SaslStep ScramClient::on_server_message(protocol::Bytes server_message) {
  std::string_view text = protocol::as_string(server_message);
  SaslStep step;
  switch (state_) {
    case State::sent_first: step = on_server_first(text); break;
    case State::sent_final: step = on_server_final(text); break;
    default: step = fail(sasl_errc::unexpected_message); break;
  }
  state_ = step.error ? State::failed : state_;
  return step;
}

SaslStep ScramClient::on_server_first(std::string_view message) {
  auto attrs = split_attributes(message);
  if (attrs.size() < 3) return fail(sasl_errc::malformed_server_message);
  // A leading m= is a mandatory extension we do not know: RFC 5802 says fail.
  auto nonce = attribute(attrs[0], 'r');
  auto salt_text = attribute(attrs[1], 's');
  auto iterations_text = attribute(attrs[2], 'i');
  if (!nonce || !salt_text || !iterations_text) return fail(sasl_errc::malformed_server_message);
  if (client_nonce_.empty() || nonce->size() <= client_nonce_.size() || nonce->substr(0, client_nonce_.size()) != client_nonce_)
    return fail(sasl_errc::server_nonce_mismatch);
  auto salt = base64_decode(*salt_text);
  if (!salt || salt->empty()) return fail(sasl_errc::malformed_server_message);
  int iterations = 0;
  auto [end, err] = std::from_chars(iterations_text->data(), iterations_text->data() + iterations_text->size(), iterations);
  if (err != std::errc{} || end != iterations_text->data() + iterations_text->size())
    return fail(err == std::errc::result_out_of_range ? sasl_errc::iteration_count_out_of_range
                                                      : sasl_errc::malformed_server_message);
  if (iterations < kMinIterations || iterations > kMaxIterations) return fail(sasl_errc::iteration_count_out_of_range);

  std::string final_without_proof = "c=biws,r=" + std::string(*nonce);
  std::string auth_message = client_first_bare_ + "," + std::string(message) + "," + final_without_proof;
  ScramKeys keys = derive_scram_keys(hash_, password_.reveal(), *salt, iterations);
  ByteVector proof = scram_hmac(hash_, keys.stored_key, protocol::as_bytes(auth_message));
  for (std::size_t i = 0; i < proof.size(); ++i) proof[i] ^= keys.client_key[i];
  expected_server_signature_ = scram_hmac(hash_, keys.server_key, protocol::as_bytes(auth_message));
  OPENSSL_cleanse(keys.client_key.data(), keys.client_key.size());
  OPENSSL_cleanse(keys.server_key.data(), keys.server_key.size());

  state_ = State::sent_final;
  return {{}, false, to_bytes(final_without_proof + ",p=" + base64_encode(proof))};
}

SaslStep ScramClient::on_server_final(std::string_view message) {
  auto attrs = split_attributes(message);
  if (attribute(attrs[0], 'e')) return fail(sasl_errc::server_error);
  auto verifier = attribute(attrs[0], 'v');
  if (!verifier) return fail(sasl_errc::malformed_server_message);
  auto signature = base64_decode(*verifier);
  if (!signature) return fail(sasl_errc::malformed_server_message);
  if (!equal_constant_time(*signature, expected_server_signature_)) return fail(sasl_errc::server_signature_mismatch);
  state_ = State::done;
  return {{}, true, {}};
}

}  // namespace kwire::net
