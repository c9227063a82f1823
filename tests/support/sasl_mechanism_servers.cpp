// PLAIN and SCRAM-SHA-256/512 (RFC 5802) on the server side, for SaslServer;
// SCRAM's keys derived with kwire's own crypto (the client side's), the
// messages parsed here by hand.
#include <openssl/rand.h>

#include "kwire/net/sasl/scram_crypto.hpp"
#include "kwire/protocol/wire/bytes.hpp"
#include "sasl_mechanism_servers.hpp"

namespace kwire::test::sasl_server {
namespace {

const SaslUser* find_user(const std::vector<SaslUser>& users, std::string_view name) {
  for (const auto& u : users)
    if (u.name == name) return &u;
  return nullptr;
}

class PlainServer final : public MechanismServer {
 public:
  explicit PlainServer(const std::vector<SaslUser>& users) : users_(users) {}
  Outcome step(std::string_view m) override {
    auto first = m.find('\0');
    auto second = first == std::string_view::npos ? first : m.find('\0', first + 1);
    if (second == std::string_view::npos) return {};
    const SaslUser* u = find_user(users_, m.substr(first + 1, second - first - 1));
    if (!u || u->password != m.substr(second + 1)) return {};
    return {true, true, ""};
  }

 private:
  const std::vector<SaslUser>& users_;
};

class ScramServer final : public MechanismServer {
 public:
  ScramServer(net::ScramHash hash, const SaslServerOptions& options) : hash_(hash), options_(options) {}
  Outcome step(std::string_view m) override { return state_++ == 0 ? on_client_first(m) : on_client_final(m); }

 private:
  static std::string unescape(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s.substr(i, 3) == "=3D") out += '=', i += 2;
      else if (s.substr(i, 3) == "=2C") out += ',', i += 2;
      else out += s[i];
    }
    return out;
  }
  Outcome on_client_first(std::string_view m) {
    if (m.substr(0, 3) != "n,," && m.substr(0, 3) != "y,,") return {};
    bare_ = std::string(m.substr(3));
    auto comma = bare_.find(",r=");
    if (bare_.substr(0, 2) != "n=" || comma == std::string::npos) return {};
    const SaslUser* user = find_user(options_.users, unescape(std::string_view(bare_).substr(2, comma - 2)));
    std::string client_nonce = bare_.substr(comma + 3);
    client_nonce = client_nonce.substr(0, client_nonce.find(','));
    if (!user || client_nonce.empty()) return {};
    net::ByteVector salt(16);
    RAND_bytes(salt.data(), static_cast<int>(salt.size()));
    keys_ = net::derive_scram_keys(hash_, user->password, salt, options_.scram_iterations);
    nonce_ = client_nonce + net::scram_nonce(18);
    server_first_ = "r=" + nonce_ + ",s=" + net::base64_encode(salt) + ",i=" + std::to_string(options_.scram_iterations);
    return {true, false, server_first_};
  }
  Outcome on_client_final(std::string_view m) {
    auto at = m.rfind(",p=");
    if (at == std::string_view::npos) return {};
    std::string_view without_proof = m.substr(0, at);
    if (without_proof != "c=biws,r=" + nonce_) return {};
    auto proof = net::base64_decode(m.substr(at + 3));
    if (!proof || proof->size() != keys_.stored_key.size()) return {};
    std::string auth = bare_ + "," + server_first_ + "," + std::string(without_proof);
    net::ByteVector client_key = net::scram_hmac(hash_, keys_.stored_key, protocol::as_bytes(auth));
    for (std::size_t i = 0; i < client_key.size(); ++i) client_key[i] ^= (*proof)[i];
    if (!net::equal_constant_time(net::scram_digest(hash_, client_key), keys_.stored_key)) return {};
    net::ByteVector signature = net::scram_hmac(hash_, keys_.server_key, protocol::as_bytes(auth));
    if (options_.forge_server_signature) signature[0] ^= 0x01;
    return {true, true, "v=" + net::base64_encode(signature)};
  }

  net::ScramHash hash_;
  const SaslServerOptions& options_;
  int state_ = 0;
  std::string bare_, nonce_, server_first_;
  net::ScramKeys keys_;
};

}  // namespace

std::unique_ptr<MechanismServer> make_mechanism_server(std::string_view mechanism, const SaslServerOptions& options,
                                                       SaslServer::Stats& stats) {
  bool known = false;
  for (const auto& m : options.mechanisms) known = known || m == mechanism;
  if (!known) return nullptr;
  if (mechanism == "PLAIN") return std::make_unique<PlainServer>(options.users);
  if (mechanism == "SCRAM-SHA-256") return std::make_unique<ScramServer>(net::ScramHash::sha256, options);
  if (mechanism == "SCRAM-SHA-512") return std::make_unique<ScramServer>(net::ScramHash::sha512, options);
  if (mechanism == "OAUTHBEARER") return make_oauthbearer_server(options, stats);
  return nullptr;
}

}  // namespace kwire::test::sasl_server
