// describe_delivery_error (see kwire/delivery_error.hpp).
#include "kwire/delivery_error.hpp"

namespace kwire {

std::string describe_delivery_error(std::error_code ec, const RecordMetadata& md) {
  std::string where = md.topic.empty() ? std::string("(no topic)") : md.topic;
  if (md.partition >= 0) where += "-" + std::to_string(md.partition);
  return where + ": " + ec.message();
}

}  // namespace kwire
