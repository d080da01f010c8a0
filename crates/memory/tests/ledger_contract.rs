//! The event ledger contract, run against [`MemoryEventLedger`].

use std::sync::Arc;

use anteroom_memory::MemoryEventLedger;

anteroom_testkit::event_ledger_contract_tests!(Arc::new(MemoryEventLedger::new()));
