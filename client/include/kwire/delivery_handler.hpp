// A move-only, type-erased delivery handler void(std::error_code, RecordMetadata)
// with inline storage, so storing a completion handler (a callback, an Asio
// use_future or use_awaitable handler) per record usually costs no heap
// allocation. Larger callables fall back to the heap.
#pragma once

#include <cstddef>
#include <new>
#include <system_error>
#include <type_traits>
#include <utility>

#include "kwire/record.hpp"

namespace kwire {

class DeliveryHandler {
 public:
  static constexpr std::size_t inline_size = 64;

  DeliveryHandler() noexcept = default;
  DeliveryHandler(std::nullptr_t) noexcept {}

  template <typename F, typename D = std::decay_t<F>,
            typename = std::enable_if_t<!std::is_same_v<D, DeliveryHandler> &&
                                        std::is_invocable_v<D&, std::error_code, RecordMetadata>>>
  DeliveryHandler(F&& f) {  // NOLINT: implicit on purpose, like std::function
    if constexpr (fits_inline<D>()) {
      ::new (static_cast<void*>(storage_)) D(std::forward<F>(f));
      ops_ = &inline_ops<D>;
    } else {
      ::new (static_cast<void*>(storage_)) D*(new D(std::forward<F>(f)));
      ops_ = &heap_ops<D>;
    }
  }

  DeliveryHandler(DeliveryHandler&& o) noexcept : ops_(o.ops_) {
    if (ops_) ops_->move(o.storage_, storage_);
    o.ops_ = nullptr;
  }
  DeliveryHandler& operator=(DeliveryHandler&& o) noexcept {
    if (this != &o) {
      reset();
      ops_ = o.ops_;
      if (ops_) ops_->move(o.storage_, storage_);
      o.ops_ = nullptr;
    }
    return *this;
  }
  DeliveryHandler(const DeliveryHandler&) = delete;
  DeliveryHandler& operator=(const DeliveryHandler&) = delete;
  ~DeliveryHandler() { reset(); }

  explicit operator bool() const noexcept { return ops_ != nullptr; }

  // Invokes once and empties the handler: a report can never fire twice.
  void operator()(std::error_code ec, RecordMetadata md) {
    if (!ops_) return;
    const Ops* ops = std::exchange(ops_, nullptr);
    ops->invoke_and_destroy(storage_, ec, std::move(md));
  }

  void reset() noexcept {
    if (ops_) std::exchange(ops_, nullptr)->destroy(storage_);
  }

 private:
  struct Ops {
    void (*invoke_and_destroy)(void*, std::error_code, RecordMetadata&&);
    void (*move)(void* from, void* to) noexcept;
    void (*destroy)(void*) noexcept;
  };

  template <typename D>
  static constexpr bool fits_inline() {
    return sizeof(D) <= inline_size && alignof(D) <= alignof(std::max_align_t) &&
           std::is_nothrow_move_constructible_v<D>;
  }

  template <typename D>
  static constexpr Ops inline_ops{
      [](void* p, std::error_code ec, RecordMetadata&& md) {
        D& d = *static_cast<D*>(p);
        D local(std::move(d));
        d.~D();
        std::move(local)(ec, std::move(md));
      },
      [](void* from, void* to) noexcept {
        D& d = *static_cast<D*>(from);
        ::new (to) D(std::move(d));
        d.~D();
      },
      [](void* p) noexcept { static_cast<D*>(p)->~D(); }};

  template <typename D>
  static constexpr Ops heap_ops{
      [](void* p, std::error_code ec, RecordMetadata&& md) {
        D* d = *static_cast<D**>(p);
        D local(std::move(*d));
        delete d;
        std::move(local)(ec, std::move(md));
      },
      [](void* from, void* to) noexcept { ::new (to) D*(*static_cast<D**>(from)); },
      [](void* p) noexcept { delete *static_cast<D**>(p); }};

  alignas(std::max_align_t) unsigned char storage_[inline_size];
  const Ops* ops_ = nullptr;
};

}  // namespace kwire
