// TLS settings of a client, in the vocabulary of Kafka's `ssl.*` options.
// Secure by default: the peer's certificate chain and host name are checked
// and SNI is sent unless the user turns them off explicitly.
#pragma once

#include <string>

#include "kwire/net/sasl/secret.hpp"

namespace kwire::net {

struct TlsSettings {
  // ssl.ca.location: a PEM file of CA certificates, or a directory of them
  // (OpenSSL hashed names, as made by `openssl rehash`). Empty = the system's
  // default trust store.
  std::string ca_location;
  // ssl.certificate.location / ssl.key.location: a client certificate chain
  // and its private key (PEM), both or neither.
  std::string certificate_location;
  std::string key_location;
  // ssl.ca.pem / ssl.certificate.pem / ssl.key.pem: the same as PEM text
  // instead of files (Java's ssl.truststore.certificates, ssl.keystore.*).
  // A location and the PEM text of the same item are not both allowed.
  std::string ca_pem;
  std::string certificate_pem;
  Secret key_pem;
  // ssl.key.password: pass phrase of an encrypted private key.
  Secret key_password;
  // enable.ssl.certificate.verification
  bool verify_peer = true;
  // ssl.endpoint.identification.algorithm=https: the certificate must name
  // the host we dialled (DNS name or IP address).
  bool verify_hostname = true;
  // Send the host name in the ClientHello (not for IP literals).
  bool send_sni = true;
};

}  // namespace kwire::net
