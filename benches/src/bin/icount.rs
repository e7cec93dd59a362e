//! Runs one benchmark case `N` times for `valgrind --tool=callgrind`, which counts the
//! instructions executed inside `measured` (and what it calls): a noise-free cost per call on a
//! noisy machine. Setup and drops happen outside `measured`, as in the criterion benchmarks.
//!
//! `icount list` prints the cases; `icount CASE N` runs one. `benches/icount.sh` runs them all
//! under callgrind and prints instructions per call.

use keycard_benches::alt::{
    exact_order, floor, linear_check, oauth2_crate, scopes as by_hand, sdk,
};
use keycard_benches::fixtures::{
    all_scopes_wire, api, exact_api, json_response, json_response_with, token_bodies,
    EXACT_ORDER_TOKEN,
};
use keycard_core::voucherify::{Scope, Scopes};
use keycard_core::Operation;
use std::hint::black_box;

/// The code under measurement: callgrind collects only inside this function.
#[inline(never)]
fn measured<I, R>(input: I, f: impl FnOnce(I) -> R) -> R {
    f(black_box(input))
}

type Case = (String, Box<dyn Fn(u64)>);

/// One way to authorize the hot path's request, reused, its header replaced by every call.
fn hot_case(cases: &mut Vec<Case>, group: &str, name: &str, way: keycard_benches::hot::Way) {
    cases.push((
        format!("{group}/{name}"),
        Box::new(move |n| {
            let contenders = keycard_benches::hot::Contenders::new();
            let mut request = keycard_benches::hot::request();
            way(&contenders, &mut request);
            for _ in 0..n {
                measured(&mut request, |r| way(&contenders, r));
            }
        }),
    ));
}

fn cases() -> Vec<Case> {
    let mut cases: Vec<Case> = Vec::new();
    let api = api();
    for body in token_bodies() {
        let name = body.name;
        let generate = api.generate_token(&body.scopes).expect("a valid operation");
        let json = body.json.clone();
        cases.push((
            format!("parse_token/{name}/keycard"),
            Box::new(move |n| {
                for _ in 0..n {
                    let response = json_response(&json);
                    let out = measured(response, |r| generate.parse(r).unwrap());
                    drop(black_box(out));
                }
            }),
        ));
        let other = api
            .generate_token(&Scopes::from([Scope::Vouchers]))
            .expect("a valid operation");
        let json = body.json.clone();
        cases.push((
            format!("parse_token/{name}/keycard_scope_not_echoed"),
            Box::new(move |n| {
                for _ in 0..n {
                    let response = json_response(&json);
                    let out = measured(response, |r| other.parse(r).unwrap());
                    drop(black_box(out));
                }
            }),
        ));
        let json = body.json.clone();
        let api_first = api.clone();
        cases.push((
            // A fresh operation each call: the answer is parsed, not recognized.
            format!("parse_token/{name}/keycard_scope_not_echoed_first"),
            Box::new(move |n| {
                for _ in 0..n {
                    let op = api_first
                        .generate_token(&Scopes::from([Scope::Vouchers]))
                        .expect("a valid operation");
                    let response = json_response(&json);
                    let out = measured(response, |r| op.parse(r).unwrap());
                    drop(black_box((op, out)));
                }
            }),
        ));
        let json = body.json.clone();
        cases.push((
            format!("parse_token/{name}/oauth2_client_path"),
            Box::new(move |n| {
                for _ in 0..n {
                    let response = json_response(&json);
                    drop(black_box(measured(response, oauth2_crate::parse_response)));
                }
            }),
        ));
        let json = body.json.clone();
        cases.push((
            format!("parse_token/{name}/oauth2"),
            Box::new(move |n| {
                for _ in 0..n {
                    drop(black_box(measured(json.as_bytes(), oauth2_crate::parse)));
                }
            }),
        ));
        let json = body.json.clone();
        cases.push((
            format!("parse_token/{name}/sdk_model"),
            Box::new(move |n| {
                for _ in 0..n {
                    drop(black_box(measured(json.as_bytes(), sdk::parse)));
                }
            }),
        ));
        let json = body.json.clone();
        cases.push((
            format!("parse_token/{name}/floor_borrowed"),
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(measured(json.as_bytes(), floor::parse));
                }
            }),
        ));
    }

    // Issue 15: the Exact Payments order token.
    cases.push((
        "parse_token/exact_order/keycard".to_owned(),
        Box::new(|n| {
            let order = exact_api()
                .create_order_access_token("ord_123")
                .expect("a valid operation");
            for _ in 0..n {
                let response = json_response_with(201, EXACT_ORDER_TOKEN);
                let out = measured(response, |r| order.parse(r).unwrap());
                drop(black_box(out));
            }
        }),
    ));
    cases.push((
        "parse_token/exact_order/by_hand".to_owned(),
        Box::new(|n| {
            for _ in 0..n {
                drop(black_box(measured(
                    EXACT_ORDER_TOKEN.as_bytes(),
                    exact_order::parse,
                )));
            }
        }),
    ));
    cases.push((
        "parse_token/exact_order/floor_borrowed".to_owned(),
        Box::new(|n| {
            for _ in 0..n {
                black_box(measured(EXACT_ORDER_TOKEN.as_bytes(), exact_order::floor));
            }
        }),
    ));

    let wires = [
        ("1_scope", "api".to_owned()),
        ("3_scopes", "vouchers campaigns customers".to_owned()),
        ("all_42_scopes", all_scopes_wire()),
    ];
    for (name, wire) in wires {
        let w = wire.clone();
        cases.push((
            format!("scope_set/parse/{name}/keycard"),
            Box::new(move |n| {
                for _ in 0..n {
                    drop(black_box(measured(w.as_str(), Scopes::parse)));
                }
            }),
        ));
        let w = wire.clone();
        cases.push((
            format!("scope_set/parse/{name}/vec_string"),
            Box::new(move |n| {
                for _ in 0..n {
                    drop(black_box(measured(w.as_str(), by_hand::parse_vec)));
                }
            }),
        ));
        let w = wire.clone();
        cases.push((
            format!("scope_set/parse/{name}/hashset_string"),
            Box::new(move |n| {
                for _ in 0..n {
                    drop(black_box(measured(w.as_str(), by_hand::parse_hash)));
                }
            }),
        ));
    }

    let grants = [
        (
            "direct",
            "vouchers campaigns customers".to_owned(),
            Scope::Customers,
        ),
        ("umbrella", "api".to_owned(), Scope::Vouchers),
        (
            "denied",
            "vouchers campaigns customers".to_owned(),
            Scope::ClientRedeem,
        ),
        ("all_42_scopes", all_scopes_wire(), Scope::Vouchers),
    ];
    for (name, wire, scope) in grants {
        let set = Scopes::parse(&wire);
        cases.push((
            format!("scope_set/grants/{name}/keycard"),
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(measured(&set, |s| s.grants(black_box(scope))));
                }
            }),
        ));
        let set = by_hand::parse_vec(&wire);
        cases.push((
            format!("scope_set/grants/{name}/vec_string"),
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(measured(&set, |s| {
                        by_hand::grants_vec(s, black_box(scope.as_str()))
                    }));
                }
            }),
        ));
        let set = by_hand::parse_hash(&wire);
        cases.push((
            format!("scope_set/grants/{name}/hashset_string"),
            Box::new(move |n| {
                for _ in 0..n {
                    black_box(measured(&set, |s| {
                        by_hand::grants_hash(s, black_box(scope.as_str()))
                    }));
                }
            }),
        ));
    }
    // The hot path: one request, reused, its header replaced by every call.
    for (name, way) in keycard_benches::hot::WAYS {
        hot_case(&mut cases, "hot_path", name, way);
    }
    // The scope check (issue 15): `authorize_checked` against `authorize` and the old check.
    for (name, way) in keycard_benches::hot::CHECKED {
        hot_case(&mut cases, "authorize_checked", name, way);
    }
    // The same over requests that differ in every call (a new voucher code each time, never
    // one a thread's memo of found endpoints holds), checked and not.
    for (name, checked) in [("checked", true), ("unchecked", false)] {
        cases.push((
            format!("authorize_checked/new_voucher_code_each_call/{name}"),
            Box::new(move |n| {
                let contenders = keycard_benches::hot::Contenders::new();
                let mut requests: Vec<http::Request<()>> = (0..64)
                    .map(|i| {
                        let mut r = keycard_benches::hot::request();
                        *r.uri_mut() = format!("https://api.voucherify.io/v1/vouchers/CODE-{i:04}")
                            .parse()
                            .expect("a valid URI");
                        contenders.live(&mut r);
                        r
                    })
                    .collect();
                for i in 0..n {
                    let r = &mut requests[i as usize % 64];
                    measured(r, |r| {
                        if checked {
                            contenders
                                .live
                                .authorize_checked(r, &contenders.base)
                                .expect("the token grants the request");
                        } else {
                            contenders.live(r);
                        }
                    });
                }
            }),
        ));
    }
    // The endpoint lookup alone: the index against the linear scan it replaced.
    type Lookup = fn(&http::Method, &str) -> Option<&'static keycard_core::voucherify::Endpoint>;
    let lookups: [(&str, Lookup); 2] = [
        ("index", keycard_core::voucherify::endpoint),
        ("linear_scan", linear_check::endpoint),
    ];
    for (name, lookup) in lookups {
        for (path_name, method, path) in keycard_benches::hot::LOOKUP_PATHS {
            cases.push((
                format!("endpoint_lookup/{path_name}/{name}"),
                Box::new(move |n| {
                    for _ in 0..n {
                        black_box(measured((&method, path), |(m, p)| lookup(m, p)));
                    }
                }),
            ));
        }
    }
    // Fetching over HTTP from the emulator (started inside the case: only the client side runs
    // inside `measured`; the emulator's threads are not counted).
    type Fetch = fn(&keycard_benches::live::Live);
    let fetches: [(&str, Fetch); 6] = [
        ("ureq/keycard_ureq", |l| drop(l.keycard_ureq())),
        ("ureq/keycard_ureq_inline_resolver", |l| {
            drop(l.keycard_ureq_inline())
        }),
        ("ureq/hand_written_ureq", |l| drop(l.hand_ureq())),
        ("ureq/hand_written_ureq_same_timeouts", |l| {
            drop(l.hand_ureq_timeouts())
        }),
        ("reqwest/keycard_reqwest", |l| drop(l.keycard_reqwest())),
        ("reqwest/hand_written_reqwest", |l| drop(l.hand_reqwest())),
    ];
    for (name, fetch) in fetches {
        cases.push((
            format!("transport/{name}"),
            Box::new(move |n| {
                let live = keycard_benches::live::Live::start();
                for _ in 0..n {
                    measured(&live, fetch);
                }
            }),
        ));
    }
    cases
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cases = cases();
    match args.as_slice() {
        [list] if list == "list" => {
            for (name, _) in &cases {
                println!("{name}");
            }
        }
        [case, n] => {
            let n: u64 = n.parse().expect("N is a number");
            let (_, run) = cases
                .iter()
                .find(|(name, _)| name == case)
                .unwrap_or_else(|| panic!("no case {case}; see `icount list`"));
            run(n);
        }
        _ => {
            eprintln!("usage: icount list | icount CASE N");
            std::process::exit(2);
        }
    }
}
