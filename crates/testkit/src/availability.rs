//! The rule for a missing external dependency: skip locally, fail on CI.

/// Whether the environment variable `CI` is `true` (as set by CI runs).
fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| value.eq_ignore_ascii_case("true"))
}

/// Reports that `what` is unavailable.
///
/// On CI (`CI=true`) this panics with `ci_message`, because CI must run every
/// test. Elsewhere it prints a loud `SKIPPED:` line to stderr and returns, so
/// the caller can skip its test.
pub(crate) fn skip_or_panic(what: &str, ci_message: &str) {
    assert!(!is_ci(), "{ci_message}");
    eprintln!("SKIPPED: {what} (install it to run this test; CI=true turns this into a failure)");
}
