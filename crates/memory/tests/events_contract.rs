//! The event bus contract, run against [`MemoryEventBus`].

use std::sync::Arc;

use anteroom_memory::MemoryEventBus;
use anteroom_testkit::contract::events::Buses;

anteroom_testkit::event_bus_contract_tests!(Buses::single(Arc::new(MemoryEventBus::new())));
