// The cryptographic building blocks of SCRAM (RFC 5802) on OpenSSL: H, HMAC,
// Hi (PBKDF2), the derived keys, base64 and nonces. Pure functions, any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kwire/protocol/wire/bytes.hpp"

namespace kwire::net {

// SHA-1 is here only so RFC 5802's own example can be checked; Kafka offers
// SCRAM-SHA-256 and SCRAM-SHA-512.
enum class ScramHash { sha1, sha256, sha512 };

using ByteVector = std::vector<std::uint8_t>;

std::size_t digest_size(ScramHash h) noexcept;
ByteVector scram_digest(ScramHash h, protocol::Bytes data);
ByteVector scram_hmac(ScramHash h, protocol::Bytes key, protocol::Bytes data);
// Hi(password, salt, i) of RFC 5802, which is PBKDF2 with HMAC-H.
ByteVector scram_hi(ScramHash h, std::string_view password, protocol::Bytes salt, int iterations);

// ClientKey, StoredKey = H(ClientKey), ServerKey from the salted password.
struct ScramKeys {
  ByteVector client_key;
  ByteVector stored_key;
  ByteVector server_key;
};
ScramKeys derive_scram_keys(ScramHash h, std::string_view password, protocol::Bytes salt, int iterations);

std::string base64_encode(protocol::Bytes data);
// Strict: padding required, no whitespace; nullopt on anything else.
std::optional<ByteVector> base64_decode(std::string_view text);

// A printable nonce from OpenSSL's CSPRNG (base64 of `random_bytes` bytes;
// base64 never contains ',').
std::string scram_nonce(std::size_t random_bytes = 24);

// Constant-time comparison, for proofs and signatures.
bool equal_constant_time(protocol::Bytes a, protocol::Bytes b) noexcept;

}  // namespace kwire::net
