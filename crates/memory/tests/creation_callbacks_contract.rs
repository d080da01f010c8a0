//! The creation callback store contract, run against [`MemoryCreationCallbacks`].

use std::sync::Arc;

use anteroom_memory::MemoryCreationCallbacks;

anteroom_testkit::creation_callbacks_contract_tests!(Arc::new(MemoryCreationCallbacks::new()));
