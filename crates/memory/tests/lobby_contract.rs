//! The lobby store contract, run against [`MemoryLobbyStore`].

use std::sync::Arc;

use anteroom_memory::MemoryLobbyStore;

anteroom_testkit::lobby_contract_tests!(Arc::new(MemoryLobbyStore::new()));
