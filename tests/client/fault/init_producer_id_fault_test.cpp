// Issue 11, hole 6 (the part on ids): an InitProducerId answer without an
// error but with producer id -1 or a negative epoch must not be adopted; the
// producer asks again, and every batch it writes carries a real id. Read
// from the TxnBroker's stored batches (their headers) and back through
// librdkafka.
#include <catch2/catch.hpp>

#include "fault_run.hpp"
#include "kwire/protocol/records/batch_format.hpp"
#include "kwire/protocol/wire/reader.hpp"

using namespace std::chrono_literals;
using kwire::test::ApiFault;
using kwire::test::ApiFaultAction;
using kwire::test::FaultRun;

namespace {

// Producer ids and epochs of every batch stored in the topic.
std::vector<std::pair<std::int64_t, std::int16_t>> stored_producers(FaultRun& run) {
  namespace records = kwire::protocol::records;
  std::vector<std::pair<std::int64_t, std::int16_t>> out;
  for (std::int32_t p = 0; p < run.options().partitions; ++p) {
    for (const auto& batch : run.broker().batches("fault", p)) {
      kwire::protocol::Reader r(kwire::protocol::Bytes(batch).subspan(records::batch_offsets::producer_id));
      auto pid = r.i64();
      auto epoch = r.i16();
      out.emplace_back(pid, epoch);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("fault: an InitProducerId answer with producer id -1 or a negative epoch is not adopted",
          "[threads][fault_suite][init_producer_id]") {
  for (auto bogus : {std::pair<std::int64_t, std::int16_t>{-1, -1}, {4242, -3}, {-7, 0}}) {
    DYNAMIC_SECTION("producer id " << bogus.first << " epoch " << bogus.second) {
      FaultRun run;
      ApiFault fault{22, ApiFaultAction::bogus_producer_id, 0, 1};
      fault.producer_id = bogus.first;
      fault.producer_epoch = bogus.second;
      run.broker().add_api_fault(fault);
      run.send_range(0, 300);
      CHECK(run.timed_close(20s) < 21s);
      CHECK(run.broker().init_producer_id_requests() >= 1);
      auto stored = stored_producers(run);
      REQUIRE_FALSE(stored.empty());
      for (const auto& [pid, epoch] : stored) {
        CHECK(pid >= 0);
        CHECK(epoch >= 0);
      }
      auto verdict = run.verdict();
      INFO(verdict.describe());
      CHECK(verdict.ok());
    }
  }
}
