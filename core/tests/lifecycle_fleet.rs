//! What a fleet shares besides tokens, through a store, with explicit time: a rate limit's
//! wait that one source was told of and every source honours, and the ledger of live tokens
//! against the API's limit (counted, reported near the limit, and a budget past which sources
//! wait or fail instead of minting). Several machines share one `MemoryStore` on a clock the
//! test moves; each store call is performed on it, as a driver does.

mod lifecycle_common;

use keycard_core::lifecycle::{
    Event, FetchError, Io, IoResult, MemoryStore, MintClaim, SourceConfig, SourceError,
    SourceMachine, Step, StoreCall, StoreError, TokenBudget, TokenEndpoint, TokenStore, WhenSpent,
};
use keycard_core::limits::MAX_SERVER_WAIT;
use keycard_core::voucherify::{GenerateToken, Scope, Scopes};
use lifecycle_common::*;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A store shared by the test's machines, on the test's wall clock moved by `Fleet::at`.
struct Fleet {
    clock: Clock,
    elapsed_ms: Arc<AtomicU64>,
    store: Arc<MemoryStore>,
}

impl Fleet {
    fn new() -> Self {
        let clock = Clock::fixed();
        let elapsed_ms = Arc::new(AtomicU64::new(0));
        let elapsed = Arc::clone(&elapsed_ms);
        let store = MemoryStore::with_clock(move || {
            clock.wall(Duration::from_millis(elapsed.load(Ordering::Relaxed)))
        });
        Self {
            clock,
            elapsed_ms,
            store: Arc::new(store),
        }
    }

    /// A machine with the store, for a token of these scopes (same project for all).
    fn machine(&self, scopes: &[Scope], config: SourceConfig) -> SourceMachine<GenerateToken> {
        let mut m = SourceMachine::new(generate_with("sk-fleet-secret", scopes), config);
        m.set_store(true);
        m
    }

    /// Drives one call of `m` at `d` after the start, as a driver does: store calls on the
    /// shared store, requests answered from `answers`. The step that ends the call, and the
    /// requests sent.
    fn call(
        &self,
        m: &mut SourceMachine<GenerateToken>,
        d: Duration,
        answers: &mut VecDeque<http::Response<Vec<u8>>>,
    ) -> (Step<Scopes>, Vec<http::Request<Vec<u8>>>) {
        self.elapsed_ms
            .store(d.as_millis() as u64, Ordering::Relaxed);
        let (now, wall) = (self.clock.at(d), self.clock.wall(d));
        let waiter = m.waiter(now);
        let mut sent = Vec::new();
        loop {
            let mut next = match m.poll(now, &waiter) {
                Step::Io(io) => Some(io),
                other => return (other, sent),
            };
            while let Some(io) = next.take() {
                let (id, result) = match io {
                    Io::Send(id, request) => {
                        sent.push(request);
                        let response = answers.pop_front().expect("an answer for each request");
                        (id, IoResult::Sent(Ok(response)))
                    }
                    Io::Store(id, call) => (id, perform(&*self.store, call)),
                };
                next = m.complete(id, result, now, wall);
            }
        }
    }

    fn budget(&self, m: &SourceMachine<GenerateToken>) -> keycard_core::lifecycle::StoreKey {
        m.endpoint()
            .budget_key()
            .expect("Voucherify tokens count against a budget")
    }
}

fn boxed(error: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    Arc::new(error)
}

/// Performs a store call on `store`, as a driver does.
fn perform(store: &impl TokenStore, call: StoreCall) -> IoResult {
    match call {
        StoreCall::Load(key) => IoResult::Loaded(store.load(&key).map_err(boxed)),
        StoreCall::Remove(key) => IoResult::Removed(store.remove(&key).map_err(boxed)),
        StoreCall::Claim(key) => IoResult::Claimed(store.claim_mint(&key).map_err(boxed)),
        StoreCall::Save(key, token) => IoResult::Saved(store.save(&key, &token).map_err(boxed)),
        StoreCall::Release(lock) => IoResult::Released(store.release_mint(&lock).map_err(boxed)),
        StoreCall::HoldOff(key, wait) => {
            IoResult::HeldOff(store.hold_off(&key, wait).map_err(boxed))
        }
        StoreCall::Count(budget) => IoResult::Counted(store.count_live(&budget).map_err(boxed)),
        StoreCall::Record(budget, token) => {
            IoResult::Recorded(store.record_mint(&budget, &token).map_err(boxed))
        }
    }
}

fn ok(token: &str, at: Duration) -> http::Response<Vec<u8>> {
    token_response(token, 900, T0 + at.as_secs() + 900)
}

fn rate_limited(retry_after_secs: u64) -> http::Response<Vec<u8>> {
    error_response_with(429, &[("retry-after", retry_after_secs.to_string())])
}

fn answers(
    list: impl IntoIterator<Item = http::Response<Vec<u8>>>,
) -> VecDeque<http::Response<Vec<u8>>> {
    list.into_iter().collect()
}

fn events(m: &mut SourceMachine<GenerateToken>) -> Vec<Event> {
    m.drain_events().collect()
}

#[test]
fn a_429_one_source_gets_holds_off_every_source_sharing_the_store() {
    let fleet = Fleet::new();
    let mut a = fleet.machine(&[Scope::Vouchers], exact_config());
    let mut b = fleet.machine(&[Scope::Vouchers], exact_config());

    // A is told to come back in 30 s: it tells the fleet, and waits.
    let (step, sent) = fleet.call(&mut a, secs(0), &mut answers([rate_limited(30)]));
    assert_eq!(sent.len(), 1);
    assert!(matches!(step, Step::Wait(_)), "{step:?}");
    assert!(events(&mut a).iter().any(|e| matches!(
        e,
        Event::HeldOff { retry_in, published: true } if *retry_in == secs(30)
    )));

    // B, which never saw the 429, sends nothing before the server's time...
    for at in [1, 10, 29] {
        let (step, sent) = fleet.call(&mut b, secs(at), &mut answers([]));
        assert!(sent.is_empty(), "B sent at {at} s");
        let Step::Wait(until) = step else {
            panic!("B waits at {at} s: {step:?}")
        };
        assert!(until <= fleet.clock.at(secs(30)), "and not beyond it");
    }
    let told = events(&mut b);
    assert!(
        told.iter().any(|e| matches!(
            e,
            Event::HeldOff { retry_in, published: false } if *retry_in == secs(29)
        )),
        "{told:?}"
    );

    // ...and mints once it is over.
    let (step, sent) = fleet.call(&mut b, secs(30), &mut answers([ok("tok-B", secs(30))]));
    assert_eq!(sent.len(), 1);
    assert!(matches!(step, Step::Ready(_)), "{step:?}");
}

#[test]
fn a_wait_past_the_retry_policy_fails_the_other_sources_at_once() {
    let fleet = Fleet::new();
    let mut a = fleet.machine(&[Scope::Vouchers], exact_config());
    let mut b = fleet.machine(&[Scope::Vouchers], exact_config());
    let (step, _) = fleet.call(&mut a, secs(0), &mut answers([rate_limited(600)]));
    assert!(matches!(step, Step::Failed(_)), "{step:?}");

    let (step, sent) = fleet.call(&mut b, secs(5), &mut answers([]));
    assert!(sent.is_empty());
    let Step::Failed(SourceError::Fetch(FetchError::HeldOff { retry_in })) = step else {
        panic!("B fails with the fleet's wait: {step:?}")
    };
    assert_eq!(retry_in, secs(595));
}

#[test]
fn the_wait_a_source_tells_the_fleet_is_bounded() {
    let fleet = Fleet::new();
    let mut a = fleet.machine(&[Scope::Vouchers], exact_config());
    let waiter = a.waiter(fleet.clock.at(secs(0)));
    // Load, claim, count, then the request.
    let mut next = match a.poll(fleet.clock.at(secs(0)), &waiter) {
        Step::Io(io) => Some(io),
        other => panic!("{other:?}"),
    };
    let mut held = None;
    while let Some(io) = next.take() {
        let (id, result) = match io {
            Io::Send(id, _) => (id, IoResult::Sent(Ok(rate_limited(999_999_999)))),
            Io::Store(id, StoreCall::HoldOff(_, wait)) => {
                held = Some(wait);
                (id, IoResult::HeldOff(Ok(())))
            }
            Io::Store(id, call) => (id, perform(&*fleet.store, call)),
        };
        next = a.complete(
            id,
            result,
            fleet.clock.at(secs(0)),
            fleet.clock.wall(secs(0)),
        );
    }
    assert_eq!(held, Some(MAX_SERVER_WAIT));
}

#[test]
fn a_memory_store_holds_off_until_the_wait_is_over_and_keeps_the_longer_wait() {
    let fleet = Fleet::new();
    let key = fleet
        .machine(&[Scope::Vouchers], exact_config())
        .store_key()
        .clone();
    fleet.store.hold_off(&key, secs(20)).unwrap();
    fleet.store.hold_off(&key, secs(5)).unwrap();
    assert_eq!(
        fleet.store.claim_mint(&key).unwrap(),
        MintClaim::HeldOff { retry_in: secs(20) }
    );
    fleet.elapsed_ms.store(20_000, Ordering::Relaxed);
    assert_eq!(fleet.store.claim_mint(&key).unwrap(), MintClaim::NotShared);
    // Without a clock, a memory store keeps no wait.
    let plain = MemoryStore::new();
    plain.hold_off(&key, secs(20)).unwrap();
    assert_eq!(plain.claim_mint(&key).unwrap(), MintClaim::NotShared);
}

/// Three sources of one project (three scope sets) mint one token each at `at`.
fn three_sources(
    fleet: &Fleet,
    config: &SourceConfig,
    at: Duration,
) -> Vec<SourceMachine<GenerateToken>> {
    [Scope::Vouchers, Scope::Customers, Scope::Orders]
        .iter()
        .enumerate()
        .map(|(i, scope)| {
            let mut m = fleet.machine(&[*scope], config.clone());
            let token = format!("tok-{i}");
            let (step, sent) = fleet.call(&mut m, at, &mut answers([ok(&token, at)]));
            assert_eq!(sent.len(), 1);
            assert!(matches!(step, Step::Ready(_)), "{step:?}");
            m
        })
        .collect()
}

#[test]
fn the_ledger_counts_each_token_minted_until_it_expires() {
    let fleet = Fleet::new();
    let mut sources = three_sources(&fleet, &exact_config(), secs(0));
    let budget = fleet.budget(&sources[0]);
    assert!(!budget.as_str().contains("sk-fleet-secret"));
    let count = fleet.store.count_live(&budget).unwrap().unwrap();
    assert_eq!(count.live, 3);
    assert_eq!(count.next_expiry_in, Some(secs(900)));
    // The same project whatever the scopes; another project counts apart.
    let other = generate_with("sk-other", &[Scope::Vouchers]);
    assert_eq!(
        other.budget_key(),
        Some(budget.clone()),
        "same app id, same project"
    );
    fleet.elapsed_ms.store(900_000, Ordering::Relaxed);
    assert_eq!(fleet.store.count_live(&budget).unwrap().unwrap().live, 0);
    for m in &mut sources {
        assert!(!events(m)
            .iter()
            .any(|e| matches!(e, Event::NearTokenLimit { .. })));
    }
}

fn small_budget(when_spent: WhenSpent) -> SourceConfig {
    let mut config = exact_config();
    let mut budget = TokenBudget::default();
    budget.limit = 5;
    budget.warn_at = 2;
    budget.max_live = 3;
    budget.when_spent = when_spent;
    config.budget = Some(budget);
    config
}

#[test]
fn nearing_the_limit_is_reported_with_the_count() {
    let fleet = Fleet::new();
    let mut sources = three_sources(&fleet, &small_budget(WhenSpent::Wait), secs(0));
    let near: Vec<(u32, u32)> = sources
        .iter_mut()
        .flat_map(events)
        .filter_map(|e| match e {
            Event::NearTokenLimit { live, limit } => Some((live, limit)),
            _ => None,
        })
        .collect();
    // The second source counted 1 before minting and 2 after; the third 2 and 3.
    assert_eq!(near, vec![(2, 5), (2, 5), (3, 5)]);
}

#[test]
fn past_the_budget_a_source_mints_nothing_until_a_token_expires() {
    let fleet = Fleet::new();
    let config = small_budget(WhenSpent::Wait);
    let _sources = three_sources(&fleet, &config, secs(0));
    let mut fourth = fleet.machine(&[Scope::Products], config);
    let (step, sent) = fleet.call(&mut fourth, secs(870), &mut answers([]));
    assert!(sent.is_empty(), "nothing minted past the budget");
    let Step::Wait(until) = step else {
        panic!("it waits for the first expiry: {step:?}")
    };
    assert_eq!(until, fleet.clock.at(secs(900)));
    assert!(events(&mut fourth).iter().any(|e| matches!(
        e,
        Event::BudgetSpent { live: 3, max_live: 3, retry_in } if *retry_in == secs(30)
    )));
    let (step, sent) = fleet.call(
        &mut fourth,
        secs(900),
        &mut answers([ok("tok-4", secs(900))]),
    );
    assert_eq!(sent.len(), 1, "the others expired: it mints");
    assert!(matches!(step, Step::Ready(_)), "{step:?}");
}

#[test]
fn past_the_budget_a_source_set_to_fail_fails_with_a_typed_error() {
    let fleet = Fleet::new();
    let config = small_budget(WhenSpent::Fail);
    let _sources = three_sources(&fleet, &config, secs(0));
    let mut fourth = fleet.machine(&[Scope::Products], config);
    let (step, sent) = fleet.call(&mut fourth, secs(10), &mut answers([]));
    assert!(sent.is_empty());
    let Step::Failed(SourceError::Fetch(error)) = step else {
        panic!("{step:?}")
    };
    assert_eq!(
        error,
        FetchError::BudgetSpent {
            live: 3,
            max_live: 3
        }
    );
    assert_eq!(
        error.to_string(),
        "the fleet holds 3 live tokens, at or past its budget of 3"
    );
    // Calls meanwhile fail at once, without counting again...
    let (step, sent) = fleet.call(&mut fourth, secs(11), &mut answers([]));
    assert!(sent.is_empty());
    assert!(
        matches!(
            step,
            Step::Failed(SourceError::Fetch(FetchError::BudgetSpent { .. }))
        ),
        "{step:?}"
    );
    // ...until the retry policy's longest backoff has passed: then it counts (and mints,
    // the others having expired).
    let (step, sent) = fleet.call(
        &mut fourth,
        secs(900),
        &mut answers([ok("tok-4", secs(900))]),
    );
    assert_eq!(sent.len(), 1);
    assert!(matches!(step, Step::Ready(_)), "{step:?}");
}

#[test]
fn past_the_budget_a_source_keeps_serving_its_valid_token() {
    let fleet = Fleet::new();
    let config = small_budget(WhenSpent::Fail);
    let mut sources = three_sources(&fleet, &config, secs(0));
    // In the refresh window (120 s before expiry): the count says no, the old token serves.
    let (step, sent) = fleet.call(&mut sources[0], secs(800), &mut answers([]));
    assert!(sent.is_empty());
    let Step::Ready(token) = step else {
        panic!("{step:?}")
    };
    assert_eq!(secret(&token), "tok-0");
}

#[test]
fn fingerprints_tell_tokens_apart_and_do_not_reveal_them() {
    let fleet = Fleet::new();
    let sources = three_sources(&fleet, &exact_config(), secs(0));
    let prints: Vec<String> = sources
        .iter()
        .map(|m| m.current().unwrap().to_stored().fingerprint())
        .collect();
    assert_eq!(prints[0].len(), 32);
    assert!(prints[0].chars().all(|c| c.is_ascii_hexdigit()));
    assert_ne!(prints[0], prints[1]);
    assert!(!prints[0].contains("tok-0"));
    assert_eq!(
        prints[0],
        sources[0].current().unwrap().to_stored().fingerprint()
    );
}

#[test]
fn at_shutdown_only_a_token_no_store_holds_is_handed_back_to_revoke() {
    let fleet = Fleet::new();
    // Saved in the store: others (or the next start) may use it.
    let mut shared = fleet.machine(&[Scope::Vouchers], exact_config());
    fleet.call(
        &mut shared,
        secs(0),
        &mut answers([ok("tok-shared", secs(0))]),
    );
    assert!(shared.take_unshared(fleet.clock.at(secs(1))).is_none());
    // Taken from the store: the same.
    let mut other = fleet.machine(&[Scope::Vouchers], exact_config());
    let (step, sent) = fleet.call(&mut other, secs(1), &mut answers([]));
    assert!(sent.is_empty() && matches!(step, Step::Ready(_)));
    assert!(other.take_unshared(fleet.clock.at(secs(1))).is_none());

    // No store: the token dies with the process.
    let mut alone = SourceMachine::new(
        generate_with("sk-fleet-secret", &[Scope::Vouchers]),
        exact_config(),
    );
    let id = expect_send(&mut alone, fleet.clock.at(secs(0)));
    answer(
        &mut alone,
        &fleet.clock,
        id,
        ok("tok-alone", secs(0)),
        secs(0),
    );
    let token = alone.take_unshared(fleet.clock.at(secs(1))).unwrap();
    assert_eq!(token.access_token().expose_secret(), "tok-alone");
    assert!(alone.current().is_none(), "and it is forgotten");
    assert!(alone.take_unshared(fleet.clock.at(secs(1))).is_none());
    // Voucherify's revoke request, with the same credentials; the token in the body.
    let request = alone
        .endpoint()
        .revoke_request(token.access_token())
        .unwrap();
    assert_eq!(request.uri().path(), "/v1/oauth/token/revoke");
    assert!(request.headers().contains_key("x-app-id"));
    assert!(String::from_utf8_lossy(request.body()).contains("tok-alone"));

    // A store whose save failed: the same.
    let mut failed = fleet.machine(&[Scope::Customers], exact_config());
    let now = fleet.clock.at(secs(0));
    let waiter = failed.waiter(now);
    let mut next = match failed.poll(now, &waiter) {
        Step::Io(io) => Some(io),
        other => panic!("{other:?}"),
    };
    while let Some(io) = next.take() {
        let (id, result) = match io {
            Io::Send(id, _) => (id, IoResult::Sent(Ok(ok("tok-unsaved", secs(0))))),
            Io::Store(id, StoreCall::Save(..)) => (
                id,
                IoResult::Saved(Err(Arc::new(std::io::Error::other("store down")))),
            ),
            Io::Store(id, call) => (id, perform(&*fleet.store, call)),
        };
        next = failed.complete(id, result, now, fleet.clock.wall(secs(0)));
    }
    let token = failed.take_unshared(fleet.clock.at(secs(1))).unwrap();
    assert_eq!(token.access_token().expose_secret(), "tok-unsaved");
}
