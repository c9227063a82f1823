// Wipes a Secret's bytes with OpenSSL's cleanse, which the optimiser may not drop.
#include "kwire/net/sasl/secret.hpp"

#include <openssl/crypto.h>

namespace kwire::net {

void Secret::wipe() noexcept {
  if (!value_.empty()) OPENSSL_cleanse(value_.data(), value_.size());
  value_.clear();
}

}  // namespace kwire::net
