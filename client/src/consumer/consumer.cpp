// The public Consumer: forwards to ConsumerImpl (see consumer_impl.hpp).
#include "kwire/consumer.hpp"

#include <utility>

#include "consumer/consumer_impl.hpp"
#include "kwire/producer.hpp"

namespace kwire {

Consumer::Consumer(ConsumerConfig config) : impl_(std::make_unique<detail::ConsumerImpl>(std::move(config))) {}
Consumer::Consumer(const Properties& properties) : Consumer(ConsumerConfig::from_properties(properties)) {}
Consumer::Consumer(std::initializer_list<Properties::value_type> properties) : Consumer(Properties(properties)) {}
// From an async_poll handler on the polling thread, the insides are closed
// and destroyed off that thread (net::destroy_outside), once it returned.
Consumer::~Consumer() { net::destroy_outside(impl_); }
Consumer::Consumer(Consumer&&) noexcept = default;
Consumer& Consumer::operator=(Consumer&& other) noexcept {
  if (this == &other) return *this;
  // As a unique_ptr's assignment: the new insides are in place while the old close.
  std::unique_ptr<detail::ConsumerImpl> old = std::exchange(impl_, std::move(other.impl_));
  net::destroy_outside(old);
  return *this;
}

void Consumer::assign(std::vector<TopicPartition> partitions) { impl_->assign(std::move(partitions)); }
std::vector<TopicPartition> Consumer::assignment() const { return impl_->assignment(); }
std::error_code Consumer::subscribe(std::vector<std::string> topics, RebalanceListener listener) {
  return impl_->subscribe(std::move(topics), std::move(listener));
}
std::error_code Consumer::subscribe(const std::regex& pattern, RebalanceListener listener) {
  return impl_->subscribe(pattern, std::move(listener));
}

void Consumer::unsubscribe() { impl_->unsubscribe(); }
std::vector<std::string> Consumer::subscription() const { return impl_->subscription(); }
const ConsumerRecords& Consumer::poll(std::chrono::milliseconds timeout) { return impl_->poll(timeout); }
void Consumer::start_poll(std::chrono::milliseconds timeout, PollDone done) {
  impl_->start_poll(timeout, std::move(done));
}

std::error_code Consumer::position(const TopicPartition& partition, std::int64_t& offset) {
  return impl_->position(partition, offset, impl_->config().default_api_timeout);
}
std::error_code Consumer::position(const TopicPartition& partition, std::int64_t& offset,
                                   std::chrono::milliseconds timeout) {
  return impl_->position(partition, offset, timeout);
}

std::error_code Consumer::seek(const TopicPartition& partition, std::int64_t offset) {
  if (offset < 0) return consumer_errc::invalid_offset;
  return impl_->seek(partition, {detail::StartPosition::Kind::offset, offset});
}

namespace {
std::error_code seek_all(detail::ConsumerImpl& impl, std::span<const TopicPartition> partitions,
                         detail::StartPosition::Kind kind) {
  for (const TopicPartition& tp : partitions)
    if (std::error_code ec = impl.seek(tp, {kind, -1})) return ec;
  return {};
}
}  // namespace

std::error_code Consumer::seek_to_beginning(std::span<const TopicPartition> partitions) {
  return seek_all(*impl_, partitions, detail::StartPosition::Kind::earliest);
}
std::error_code Consumer::seek_to_end(std::span<const TopicPartition> partitions) {
  return seek_all(*impl_, partitions, detail::StartPosition::Kind::latest);
}

std::error_code Consumer::partitions_for(const std::string& topic, std::vector<std::int32_t>& partitions,
                                         std::chrono::milliseconds timeout) {
  return impl_->partitions_for(topic, partitions, timeout);
}
std::error_code Consumer::beginning_offsets(std::span<const TopicPartition> partitions,
                                            std::vector<std::int64_t>& offsets, std::chrono::milliseconds timeout) {
  return impl_->list_offsets(partitions, detail::kEarliestTimestamp, offsets, timeout);
}
std::error_code Consumer::end_offsets(std::span<const TopicPartition> partitions, std::vector<std::int64_t>& offsets,
                                      std::chrono::milliseconds timeout) {
  return impl_->list_offsets(partitions, detail::kLatestTimestamp, offsets, timeout);
}

std::error_code Consumer::offsets_for_times(const std::map<TopicPartition, std::int64_t>& timestamps,
                                            std::map<TopicPartition, OffsetAndTimestamp>& out,
                                            std::chrono::milliseconds timeout) {
  std::vector<TopicPartition> partitions;
  std::vector<std::int64_t> times;
  for (const auto& [tp, t] : timestamps) {
    if (t < 0) return consumer_errc::invalid_offset;
    partitions.push_back(tp);
    times.push_back(t);
  }
  std::vector<detail::OffsetAnswer> answers;
  if (std::error_code ec = impl_->lookup_offsets(partitions, times, answers, timeout)) return ec;
  out.clear();
  for (std::size_t i = 0; i < partitions.size(); ++i)
    if (answers[i].offset >= 0) out[partitions[i]] = {answers[i].offset, answers[i].timestamp};
  return {};
}

std::error_code Consumer::commit() { return impl_->commit(impl_->positions(), impl_->config().default_api_timeout); }
std::error_code Consumer::commit(const CommitOffsets& offsets) {
  return impl_->commit(offsets, impl_->config().default_api_timeout);
}
std::error_code Consumer::commit(const CommitOffsets& offsets, std::chrono::milliseconds timeout) {
  return impl_->commit(offsets, timeout);
}
void Consumer::commit_async(CommitCallback callback) { impl_->commit_async(impl_->positions(), std::move(callback)); }
void Consumer::commit_async(CommitOffsets offsets, CommitCallback callback) {
  impl_->commit_async(std::move(offsets), std::move(callback));
}
std::error_code Consumer::committed(std::span<const TopicPartition> partitions, CommitOffsets& out,
                                    std::chrono::milliseconds timeout) {
  return impl_->committed(partitions, out, timeout);
}

std::error_code Consumer::pause(std::span<const TopicPartition> partitions) { return impl_->pause(partitions, true); }
std::error_code Consumer::resume(std::span<const TopicPartition> partitions) {
  return impl_->pause(partitions, false);
}
std::vector<TopicPartition> Consumer::paused() const { return impl_->paused(); }

ConsumerGroupMetadata Consumer::group_metadata() const {
  ConsumerGroupMetadata group;
  group.group_id = impl_->config().group_id.value_or("");
  group.group_instance_id = impl_->config().group_instance_id;
  const detail::GroupMember member = impl_->group_member();
  group.generation_id = member.generation;
  group.member_id = member.member_id;
  return group;
}

void Consumer::close() { impl_->close(); }
const ConsumerConfig& Consumer::config() const noexcept { return impl_->config(); }

}  // namespace kwire
