// SCRAM primitives on OpenSSL's EVP interfaces. Intermediate secrets (the
// salted password) are wiped before they are freed.
#include "kwire/net/sasl/scram_crypto.hpp"

#include <array>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace kwire::net {
namespace {

const EVP_MD* evp(ScramHash h) noexcept {
  switch (h) {
    case ScramHash::sha1: return EVP_sha1();
    case ScramHash::sha256: return EVP_sha256();
    case ScramHash::sha512: return EVP_sha512();
  }
  return EVP_sha256();
}

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) noexcept {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::size_t digest_size(ScramHash h) noexcept { return static_cast<std::size_t>(EVP_MD_get_size(evp(h))); }

ByteVector scram_digest(ScramHash h, protocol::Bytes data) {
  ByteVector out(digest_size(h));
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, evp(h), nullptr);
  out.resize(len);
  return out;
}

ByteVector scram_hmac(ScramHash h, protocol::Bytes key, protocol::Bytes data) {
  ByteVector out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  HMAC(evp(h), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(), &len);
  out.resize(len);
  return out;
}

ByteVector scram_hi(ScramHash h, std::string_view password, protocol::Bytes salt, int iterations) {
  ByteVector out(digest_size(h));
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(), static_cast<int>(salt.size()),
                    iterations, evp(h), static_cast<int>(out.size()), out.data());
  return out;
}

ScramKeys derive_scram_keys(ScramHash h, std::string_view password, protocol::Bytes salt, int iterations) {
  ByteVector salted = scram_hi(h, password, salt, iterations);
  ScramKeys keys;
  keys.client_key = scram_hmac(h, salted, protocol::as_bytes("Client Key"));
  keys.server_key = scram_hmac(h, salted, protocol::as_bytes("Server Key"));
  keys.stored_key = scram_digest(h, keys.client_key);
  OPENSSL_cleanse(salted.data(), salted.size());
  return keys;
}

std::string base64_encode(protocol::Bytes data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out.push_back(kAlphabet[(v >> shift) & 63]);
  }
  std::size_t left = data.size() - i;
  if (left > 0) {
    std::uint32_t v = std::uint32_t{data[i]} << 16;
    if (left == 2) v |= std::uint32_t{data[i + 1]} << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(left == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<ByteVector> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  ByteVector out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    std::array<int, 4> v{};
    int padding = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + static_cast<std::size_t>(k)];
      if (c == '=' && last && k >= 2) {
        ++padding;
        v[static_cast<std::size_t>(k)] = 0;
        continue;
      }
      if (padding > 0) return std::nullopt;  // data after '='
      v[static_cast<std::size_t>(k)] = base64_value(c);
      if (v[static_cast<std::size_t>(k)] < 0) return std::nullopt;
    }
    std::uint32_t bits = (static_cast<std::uint32_t>(v[0]) << 18) | (static_cast<std::uint32_t>(v[1]) << 12) |
                         (static_cast<std::uint32_t>(v[2]) << 6) | static_cast<std::uint32_t>(v[3]);
    // Canonical form only: the bits under the padding must be zero.
    if ((padding == 1 && (bits & 0xff) != 0) || (padding == 2 && (bits & 0xffff) != 0)) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(bits >> 16));
    if (padding < 2) out.push_back(static_cast<std::uint8_t>(bits >> 8));
    if (padding < 1) out.push_back(static_cast<std::uint8_t>(bits));
  }
  return out;
}

std::string scram_nonce(std::size_t random_bytes) {
  ByteVector raw(random_bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    // Without entropy a predictable nonce would weaken every exchange; an
    // empty nonce makes the server refuse instead.
    return {};
  }
  return base64_encode(raw);
}

bool equal_constant_time(protocol::Bytes a, protocol::Bytes b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace kwire::net
