// A transaction that aborts unless committed: the C++ form of aiokafka's
// `async with producer.transaction()`.
//
//   kwire::TransactionScope txn(producer);  // begin_transaction()
//   producer.send(record, on_report);
//   if (auto ec = txn.commit(std::chrono::seconds(30))) { ... }
//   // leaving the scope without a successful commit() aborts the transaction
//
// init_transactions() must have succeeded first. One scope at a time per
// producer, on one thread.
#pragma once

#include <chrono>
#include <system_error>

#include "kwire/producer.hpp"

namespace kwire {

class TransactionScope {
 public:
  // Begins a transaction; throws std::system_error when begin_transaction() fails.
  explicit TransactionScope(Producer& producer,
                            std::chrono::milliseconds abort_timeout = std::chrono::seconds(30));
  // Aborts the transaction unless commit() or abort() succeeded (an error
  // here is not reported: call abort() to see it).
  ~TransactionScope();
  TransactionScope(const TransactionScope&) = delete;
  TransactionScope& operator=(const TransactionScope&) = delete;

  // commit_transaction(); the scope ends when it succeeds. On
  // errc::transaction_timeout, commit() may be called again; on
  // errc::transaction_abortable the scope aborts now and returns that error.
  std::error_code commit(std::chrono::milliseconds timeout);
  // abort_transaction(); the scope ends when it succeeds.
  std::error_code abort(std::chrono::milliseconds timeout);
  // True until commit() or abort() succeeded.
  bool open() const noexcept { return open_; }

 private:
  Producer& producer_;
  std::chrono::milliseconds abort_timeout_;
  bool open_ = true;
};

}  // namespace kwire
