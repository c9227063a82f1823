// The transactional state machine on its own (pure logic): which call is
// allowed in which state, and how abortable and fatal errors stick, as the
// Java client's TransactionManager states them.
#include <catch2/catch.hpp>

#include "kwire/errors.hpp"
#include "kwire/protocol/errors.hpp"
#include "producer/transactions/transactional_state.hpp"

using kwire::errc;
using kwire::detail::TransactionalState;
using kwire::detail::TxnState;

TEST_CASE("transaction state: the happy path and calls out of order") {
  TransactionalState s;
  CHECK(s.begin() == errc::invalid_transaction_state);
  CHECK(s.check_send() == errc::invalid_transaction_state);
  CHECK(s.start_commit() == errc::invalid_transaction_state);
  REQUIRE(s.start_init() == std::error_code());
  CHECK(s.start_init() == std::error_code());  // a retry after a timeout
  s.init_done();
  CHECK(s.state() == TxnState::ready);
  CHECK(s.start_init() == errc::invalid_transaction_state);
  CHECK(s.check_send() == errc::invalid_transaction_state);
  CHECK(s.start_abort() == errc::invalid_transaction_state);
  REQUIRE(s.begin() == std::error_code());
  CHECK(s.begin() == errc::invalid_transaction_state);
  CHECK(s.check_send() == std::error_code());
  CHECK(s.sending_allowed());
  REQUIRE(s.start_commit() == std::error_code());
  CHECK(s.check_send() == errc::invalid_transaction_state);  // no sends while committing
  CHECK(s.sending_allowed());                                // but the flush goes on
  CHECK(s.start_commit() == std::error_code());               // a retry after a timeout
  s.completed();
  CHECK(s.state() == TxnState::ready);
  REQUIRE(s.begin() == std::error_code());
  REQUIRE(s.start_abort() == std::error_code());
  CHECK_FALSE(s.sending_allowed());
  s.completed();
  CHECK(s.state() == TxnState::ready);
}

TEST_CASE("transaction state: an abortable error allows only abort") {
  TransactionalState s;
  REQUIRE(s.start_init() == std::error_code());
  s.init_done();
  REQUIRE(s.begin() == std::error_code());
  s.set_abortable(kwire::protocol::kafka_errc::topic_authorization_failed);
  CHECK(s.check_send() == errc::transaction_abortable);
  CHECK(s.begin() == errc::transaction_abortable);
  CHECK(s.start_commit() == errc::transaction_abortable);
  CHECK(s.last_error() == kwire::protocol::kafka_errc::topic_authorization_failed);
  REQUIRE(s.start_abort() == std::error_code());
  s.set_abortable(errc::transaction_abortable);  // ignored while aborting
  CHECK(s.state() == TxnState::aborting);
  s.completed();
  CHECK(s.begin() == std::error_code());
}

TEST_CASE("transaction state: a fatal error sticks") {
  TransactionalState s;
  REQUIRE(s.start_init() == std::error_code());
  s.init_done();
  REQUIRE(s.begin() == std::error_code());
  const std::error_code fenced = kwire::protocol::kafka_errc::producer_fenced;
  s.set_fatal(fenced);
  s.set_abortable(errc::transaction_abortable);  // does not downgrade it
  CHECK(s.check_send() == fenced);
  CHECK(s.begin() == fenced);
  CHECK(s.start_commit() == fenced);
  CHECK(s.start_abort() == fenced);
  CHECK(s.start_init() == fenced);
  s.completed();
  CHECK(s.state() == TxnState::fatal_error);
}
