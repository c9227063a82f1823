// Response framing without a socket (ResponseFrameReader,
// parse_response_header), and the connection's memory against a peer that
// announces far more than it sends: buffers grow with the bytes that arrive.
#include <catch2/catch.hpp>

#include <fstream>
#include <unistd.h>

#include "hostile_peer.hpp"
#include "kwire/net/broker_connection.hpp"
#include "kwire/net/frame_reader.hpp"
#include "net_test_util.hpp"

using namespace std::chrono_literals;
using kwire::net::ResponseFrameReader;
using Status = ResponseFrameReader::Status;
using kwire::test::run_coroutine;

namespace {

// Feeds `bytes` to the reader in pieces of at most `piece` bytes; returns the
// frames completed and the last status.
struct Fed {
  std::vector<std::vector<std::uint8_t>> frames;
  Status last = Status::need_more;
  std::size_t most_allocated = 0;
};
Fed feed(ResponseFrameReader& reader, const std::vector<std::uint8_t>& bytes, std::size_t piece) {
  Fed out;
  std::size_t at = 0;
  while (at < bytes.size()) {
    auto buffer = reader.next_buffer();
    REQUIRE(!buffer.empty());
    const std::size_t n = std::min({piece, buffer.size(), bytes.size() - at});
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(at), n, buffer.begin());
    at += n;
    out.last = reader.commit(n);
    out.most_allocated = std::max(out.most_allocated, reader.allocated());
    if (out.last == Status::frame_ready) out.frames.push_back(*reader.take_frame());
    if (out.last == Status::too_large || out.last == Status::too_small) break;
  }
  return out;
}

std::vector<std::uint8_t> framed(const std::vector<std::uint8_t>& body) {
  const auto n = static_cast<std::uint32_t>(body.size());
  std::vector<std::uint8_t> out{static_cast<std::uint8_t>(n >> 24), static_cast<std::uint8_t>(n >> 16),
                                static_cast<std::uint8_t>(n >> 8), static_cast<std::uint8_t>(n)};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

std::size_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

TEST_CASE("frame reader: frames of every size come out whole, whatever the read sizes", "[net][frames]") {
  std::vector<std::uint8_t> stream;
  std::vector<std::vector<std::uint8_t>> bodies;
  for (std::size_t size : {4u, 5u, 1000u, 65536u, 65537u, 300000u}) {
    std::vector<std::uint8_t> body(size);
    for (std::size_t i = 0; i < size; ++i) body[i] = static_cast<std::uint8_t>(i * 7 + size);
    bodies.push_back(body);
    auto f = framed(body);
    stream.insert(stream.end(), f.begin(), f.end());
  }
  for (std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{4096}, stream.size()}) {
    ResponseFrameReader reader(1 << 20);
    auto fed = feed(reader, stream, piece);
    INFO("piece " << piece);
    CHECK(fed.frames == bodies);
    CHECK(fed.last == Status::frame_ready);
  }
}

TEST_CASE("frame reader: memory follows the bytes received, not the length announced", "[net][frames]") {
  constexpr std::size_t upfront = 64 * 1024;
  ResponseFrameReader reader(std::size_t{2} << 30, upfront);
  std::vector<std::uint8_t> start{0x40, 0, 0, 0};  // announces 1 GiB
  start.resize(14, 0xab);                         // and sends 10 bytes
  auto fed = feed(reader, start, 4096);
  CHECK(fed.last == Status::need_more);
  CHECK(reader.announced_size() == (1u << 30));
  CHECK(reader.received() == 10);
  CHECK(fed.most_allocated == upfront);

  // 1 MiB more: the buffer doubles as it fills, never beyond twice what came.
  auto more = feed(reader, std::vector<std::uint8_t>(1 << 20, 0xcd), 1 << 16);
  CHECK(more.last == Status::need_more);
  CHECK(reader.received() == 10 + (1u << 20));
  CHECK(reader.allocated() <= 2 * reader.received());
  CHECK(reader.allocations() > 1);
}

TEST_CASE("frame reader: a frame at or under the up-front bound is allocated once, at its announced size",
          "[net][frames]") {
  // Issue 13: a Fetch response used to be regrown from 64 KiB by doubling,
  // copied, zero-filled and page-faulted at each step.
  for (std::size_t size : {std::size_t{4}, std::size_t{100000}, std::size_t{3} << 20,
                           ResponseFrameReader::kUpfront}) {
    INFO("size " << size);
    std::vector<std::uint8_t> body(size);
    for (std::size_t i = 0; i < size; ++i) body[i] = static_cast<std::uint8_t>(i * 13 + 1);
    const auto stream = framed(body);
    ResponseFrameReader reader(std::size_t{100} << 20);
    // The length prefix alone: the whole frame's buffer is there already.
    auto prefix = feed(reader, std::vector<std::uint8_t>(stream.begin(), stream.begin() + 4), 4);
    CHECK(prefix.last == Status::need_more);
    CHECK(reader.allocated() == size);
    CHECK(reader.allocations() == 1);
    CHECK(reader.next_buffer().size() == size);
    const std::uint8_t* first = reader.next_buffer().data();
    // The rest, in socket-sized reads: the same buffer, never regrown.
    std::size_t at = 4;
    Status last = Status::need_more;
    bool in_place = true;  // every read lands at its final place in the one buffer
    while (at < stream.size()) {
      auto buffer = reader.next_buffer();
      REQUIRE(!buffer.empty());
      in_place = in_place && buffer.data() == first + (at - 4);
      const std::size_t n = std::min<std::size_t>({65536, buffer.size(), stream.size() - at});
      std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(at), n, buffer.begin());
      at += n;
      last = reader.commit(n);
      in_place = in_place && reader.allocated() == size;
    }
    CHECK(in_place);
    CHECK(last == Status::frame_ready);
    CHECK(reader.allocations() == 1);
    auto frame = reader.take_frame();
    REQUIRE(frame);
    CHECK(frame->data() == first);
    CHECK(*frame == body);
  }
}

TEST_CASE("frame reader: above the up-front bound, a hostile length allocates only as bytes arrive", "[net][frames]") {
  ResponseFrameReader reader(std::size_t{2} << 30);  // the default bound, kUpfront
  // Announces kUpfront + 1 bytes, then 1 GiB on a second reader: both get
  // kUpfront, not what they announce.
  const auto announced = static_cast<std::uint32_t>(ResponseFrameReader::kUpfront + 1);
  auto fed = feed(reader,
                  {static_cast<std::uint8_t>(announced >> 24), static_cast<std::uint8_t>(announced >> 16),
                   static_cast<std::uint8_t>(announced >> 8), static_cast<std::uint8_t>(announced), 7, 7},
                  4096);
  CHECK(fed.last == Status::need_more);
  CHECK(reader.allocated() == ResponseFrameReader::kUpfront);
  CHECK(reader.allocations() == 1);

  ResponseFrameReader gigabyte(std::size_t{2} << 30);
  CHECK(feed(gigabyte, {0x40, 0, 0, 0, 1, 2, 3}, 4096).last == Status::need_more);
  CHECK(gigabyte.allocated() == ResponseFrameReader::kUpfront);
  // Filling the first buffer doubles it, no more.
  CHECK(feed(gigabyte, std::vector<std::uint8_t>(ResponseFrameReader::kUpfront - 3, 9), 1 << 20).last ==
        Status::need_more);
  CHECK(gigabyte.received() == ResponseFrameReader::kUpfront);
  CHECK(gigabyte.allocated() == 2 * ResponseFrameReader::kUpfront);
  CHECK(gigabyte.allocations() == 2);
}

TEST_CASE("frame reader: lengths above the maximum or below a header are refused before allocating",
          "[net][frames]") {
  ResponseFrameReader big(1000);
  auto too_large = feed(big, {0, 0, 0x03, 0xe9}, 4);  // 1001
  CHECK(too_large.last == Status::too_large);
  CHECK(big.allocated() == 0);
  CHECK(big.next_buffer().empty());

  ResponseFrameReader small(1000);
  CHECK(feed(small, {0, 0, 0, 3}, 1).last == Status::too_small);
  CHECK(small.allocated() == 0);

  ResponseFrameReader at_limit(1000);
  std::vector<std::uint8_t> body(1000, 1);
  CHECK(feed(at_limit, framed(body), 100).frames.size() == 1);
}

TEST_CASE("response header: v0 and v1 (tagged fields) bodies are found; truncated headers refused",
          "[net][frames]") {
  const std::vector<std::uint8_t> v0{0, 0, 0, 42, 9, 9};
  auto h0 = kwire::net::parse_response_header(v0, false);
  REQUIRE(h0);
  CHECK(h0->correlation_id == 42);
  CHECK(h0->body_offset == 4);
  // One tagged field: tag 3, 2 bytes of data.
  const std::vector<std::uint8_t> v1{0, 0, 1, 0, 1, 3, 2, 0xaa, 0xbb, 7};
  auto h1 = kwire::net::parse_response_header(v1, true);
  REQUIRE(h1);
  CHECK(h1->correlation_id == 256);
  CHECK(h1->body_offset == 9);
  CHECK(!kwire::net::parse_response_header(std::vector<std::uint8_t>{0, 0, 1}, false));
  CHECK(!kwire::net::parse_response_header(std::vector<std::uint8_t>{0, 0, 1, 0, 1, 3, 5, 0xaa}, true));
}

TEST_CASE("a peer announcing a 1 GiB response and sending a few bytes costs no gigabyte", "[net][frames][hostile]") {
  kwire::test::HostilePeer peer(kwire::test::HostileFault::announce_gigabyte);
  asio::io_context io;
  auto config = kwire::test::test_config();
  config->max_response_bytes = std::size_t{2} << 30;  // the announced size is allowed
  auto conn = kwire::net::BrokerConnection::create(io.get_executor(), config, nullptr, 1, "127.0.0.1", peer.port());
  REQUIRE_FALSE(run_coroutine(io, conn->open()));
  const std::size_t before = resident_bytes();
  auto frame = conn->begin_request(3, 0, false);
  frame.writer.i32(0);
  kwire::net::finish_request(frame);
  auto [ec, raw] = run_coroutine(io, conn->send_frame(std::move(frame), true, {std::nullopt, 500ms}), 20s);
  CHECK(ec == kwire::net::net_errc::request_timed_out);
  CHECK(peer.faults_sent() == 1);
  // The reader now waits for the rest of the frame, holding what it allocated.
  CHECK(resident_bytes() < before + (std::size_t{256} << 20));
  conn->close();
  kwire::test::drain(io);
}

namespace frame_recycling {

// Reads one framed body through `reader` in socket-sized pieces; returns the frame.
kwire::net::FramePtr read_one(ResponseFrameReader& reader, const std::vector<std::uint8_t>& body) {
  const auto stream = framed(body);
  std::size_t at = 0;
  while (at < stream.size()) {
    auto buffer = reader.next_buffer();
    REQUIRE(!buffer.empty());
    const std::size_t n = std::min<std::size_t>({65536, buffer.size(), stream.size() - at});
    std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(at), n, buffer.begin());
    at += n;
    const Status s = reader.commit(n);
    if (at < stream.size()) REQUIRE(s == Status::need_more);
    else REQUIRE(s == Status::frame_ready);
  }
  return reader.take_frame();
}

std::vector<std::uint8_t> pattern(std::size_t size, std::uint8_t seed) {
  std::vector<std::uint8_t> body(size);
  for (std::size_t i = 0; i < size; ++i) body[i] = static_cast<std::uint8_t>(i * 31 + seed);
  return body;
}

}  // namespace frame_recycling

TEST_CASE("frame reader: a large frame's buffer is reused by a later frame, with the later frame's bytes",
          "[net][frames]") {
  using namespace frame_recycling;
  ResponseFrameReader reader(std::size_t{64} << 20);
  const auto first_body = pattern(3 << 20, 1);
  const std::uint8_t* first_storage = nullptr;
  {
    auto first = read_one(reader, first_body);
    REQUIRE(first);
    CHECK(*first == first_body);
    first_storage = first->data();
  }  // the consumer lets go of the frame: its buffer waits for the next one
  CHECK(reader.recycler().kept_buffers() == 1);
  // A smaller frame next: same storage, only its own bytes (no stale tail).
  const auto second_body = pattern(2 << 20, 7);
  auto second = read_one(reader, second_body);
  REQUIRE(second);
  CHECK(second->data() == first_storage);
  CHECK(*second == second_body);
  CHECK(reader.recycler().reuses() == 1);
  CHECK(reader.recycler().kept_buffers() == 0);
  // Small frames never go through the recycler.
  auto small = read_one(reader, pattern(1000, 3));
  small.reset();
  CHECK(reader.recycler().kept_buffers() == 0);
}

TEST_CASE("frame reader: the recycler keeps a bounded number of buffers", "[net][frames]") {
  using namespace frame_recycling;
  auto recycler = kwire::net::FrameRecycler::create();
  std::vector<std::shared_ptr<std::vector<std::uint8_t>>> live;
  for (int i = 0; i < 5; ++i) live.push_back(recycler->take(std::size_t{2} << 20));
  live.clear();  // five come back, only kKeptBuffers stay
  CHECK(recycler->kept_buffers() == kwire::net::FrameRecycler::kKeptBuffers);
  CHECK(recycler->kept_bytes() <= kwire::net::FrameRecycler::kKeptBytes);
  // A buffer larger than every kept one is not served from them.
  auto big = recycler->take(std::size_t{8} << 20);
  CHECK(recycler->reuses() == 0);
  CHECK(big->size() == (std::size_t{8} << 20));
}

TEST_CASE("frame reader: a frame the request allowed to be large is allocated whole, above the default bound",
          "[net][frames]") {
  using namespace frame_recycling;
  constexpr std::size_t upfront = 64 * 1024;
  const auto body = pattern(1 << 20, 5);
  ResponseFrameReader hinted(std::size_t{64} << 20, upfront);
  hinted.expect_at_most(body.size() + 100);
  auto frame = read_one(hinted, body);
  CHECK(hinted.allocations() == 1);
  CHECK(*frame == body);
  // Without the hint the same frame grows from the default bound.
  ResponseFrameReader plain(std::size_t{64} << 20, upfront);
  CHECK(*read_one(plain, body) == body);
  CHECK(plain.allocations() > 1);
  // The hint never lifts the maximum: a larger announcement is still refused.
  ResponseFrameReader capped(1000, 100);
  capped.expect_at_most(std::size_t{1} << 30);
  CHECK(feed(capped, {0, 0, 0x03, 0xe9}, 4).last == Status::too_large);
}
