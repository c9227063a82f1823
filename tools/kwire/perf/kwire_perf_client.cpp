// The kwire side of `kwire perf produce`: kwire::Producer with the -X
// properties. (Filled in when the producer lands; until then it says so.)
#include "perf/perf_client.hpp"

namespace kwire::tool {

std::unique_ptr<PerfClient> make_kwire_perf_client(const PerfSettings&, PerfStats&, std::string& error) {
  error = "the kwire producer is not built yet: use --client librdkafka";
  return nullptr;
}

}  // namespace kwire::tool
