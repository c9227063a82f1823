// One protocol violation found by `kwire wire check`: a stable kind
// ("non_minimal_varint"), where (the field path and the byte offset from the
// start of the frame's size prefix), and a sentence. Plain data.
#pragma once

#include <cstddef>
#include <string>

namespace kwire::tool {

struct Violation {
  std::string kind;
  std::string path;        // "ProduceRequest.TopicData[0].PartitionData[0].Records"; empty outside a message
  std::size_t offset = 0;  // from the frame's first byte (its size prefix)
  std::string detail;
};

}  // namespace kwire::tool
