//! The rate limiter contract, run against [`MemoryRateLimiter`].

use std::sync::Arc;

use anteroom_memory::MemoryRateLimiter;

anteroom_testkit::rate_limiter_contract_tests!(Arc::new(MemoryRateLimiter::new()));
