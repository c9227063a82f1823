// The abort-unless-committed transaction (see kwire/transaction_scope.hpp).
#include "kwire/transaction_scope.hpp"

#include "kwire/errors.hpp"

namespace kwire {

TransactionScope::TransactionScope(Producer& producer, std::chrono::milliseconds abort_timeout)
    : producer_(producer), abort_timeout_(abort_timeout) {
  if (std::error_code ec = producer_.begin_transaction()) throw std::system_error(ec, "begin_transaction");
}

TransactionScope::~TransactionScope() {
  if (open_) producer_.abort_transaction(abort_timeout_);
}

std::error_code TransactionScope::commit(std::chrono::milliseconds timeout) {
  std::error_code ec = producer_.commit_transaction(timeout);
  if (!ec) {
    open_ = false;
    return ec;
  }
  if (ec == errc::transaction_abortable) abort(abort_timeout_);  // the scope ends if the abort succeeds
  return ec;
}

std::error_code TransactionScope::abort(std::chrono::milliseconds timeout) {
  std::error_code ec = producer_.abort_transaction(timeout);
  if (!ec) open_ = false;
  return ec;
}

}  // namespace kwire
