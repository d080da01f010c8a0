//! The session store contract, run against [`MemorySessionStore`].

use std::sync::Arc;

use anteroom_memory::MemorySessionStore;

anteroom_testkit::session_store_contract_tests!(Arc::new(MemorySessionStore::new()));
