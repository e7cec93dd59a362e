//! What the transport does with what comes over the wire, against one-shot servers on
//! 127.0.0.1: the wire suite every keycard transport passes, and what only ureq has.

use keycard_testkit::wire;
use keycard_ureq::{ureq, UreqTransport};
use std::time::Duration;

fn transport(timeout: Duration, cap: usize) -> UreqTransport {
    UreqTransport::builder()
        .timeout(timeout)
        .max_body_size(cap)
        .build()
}

keycard_testkit::wire_suite!(make: transport, user_agent: "keycard-ureq/");

#[test]
fn a_users_default_agent_still_returns_statuses_and_does_not_follow_redirects() {
    // ureq's defaults: statuses as errors, up to 10 redirects. The transport overrides both.
    wire::statuses_and_redirects_come_back_unfollowed(|_, _| {
        UreqTransport::with_agent(ureq::Agent::new_with_defaults())
    });
}
