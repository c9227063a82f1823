// A throw-away PKI for TLS tests, generated at test time with OpenSSL's C
// API into a fresh temporary directory (removed again by the destructor): a
// CA, certificates for localhost signed by it (one valid, one for the wrong
// name, one expired), one signed by an unrelated CA, and client identities.
#pragma once

#include <string>

namespace kwire::test {

struct CertAndKey {
  std::string cert_file;  // PEM certificate
  std::string key_file;   // PEM private key
};

class TestPki {
 public:
  TestPki();
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  std::string dir;            // the temporary directory holding everything
  std::string ca_file;        // the trusted CA certificate (PEM)
  std::string ca_dir;         // the same CA as a hashed directory (<hash>.0)
  std::string other_ca_file;  // an unrelated CA, trusted by nobody
  CertAndKey server;          // localhost and 127.0.0.1, signed by the CA, valid now
  CertAndKey wrong_host;      // wrong-host.invalid only, signed by the CA, valid now
  CertAndKey expired;         // localhost, signed by the CA, expired yesterday
  CertAndKey untrusted;       // localhost, signed by the unrelated CA
  CertAndKey client;          // a client certificate signed by the CA
  CertAndKey encrypted_client;         // the same with an AES-encrypted key...
  std::string encrypted_key_password;  // ...and its pass phrase
};

}  // namespace kwire::test
