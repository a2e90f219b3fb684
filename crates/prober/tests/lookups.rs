//! Name lookups with a name server on 127.0.0.1 that reads every question and never
//! answers: each probe of a name fails as a lookup failure ("dns") within its timeout,
//! and probes that need no lookup go on as if nothing were wrong.

mod targets;

use std::collections::BTreeMap;
use std::net::{SocketAddr, UdpSocket};

use futures_util::future::join_all;
use tis_core::{ErrorKind, ExpectStatus, Probe, ProbeKind, Redirects, service::HumanDuration};
use tis_prober::dns::Lookup;
use tis_prober::{Checker, Scheduled, check_once};

/// Each check's timeout. Lookups must give up a little before it.
const TIMEOUT_MS: u64 = 3000;

/// A name server that hears every question and answers none, as a DNS server does when
/// its network has gone or it has hung.
fn silent_name_server() -> SocketAddr {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("a UDP port");
    let addr = socket.local_addr().expect("its address");
    std::thread::spawn(move || {
        let mut question = [0u8; 1500];
        while socket.recv_from(&mut question).is_ok() {}
    });
    addr
}

fn scheduled(id: &str, kind: ProbeKind) -> Scheduled {
    Scheduled {
        id: format!("esr/{id}"),
        service: "esr".into(),
        probe: Probe {
            kind,
            interval: HumanDuration::from_secs(60),
            timeout: HumanDuration::from_millis(TIMEOUT_MS),
            fail_after: 1,
            recover_after: 1,
            slow_ms: None,
        },
    }
}

fn http(url: String) -> ProbeKind {
    ProbeKind::Http {
        url,
        method: "GET".into(),
        headers: BTreeMap::new(),
        expect_status: ExpectStatus::Exactly(200),
        body_contains: None,
        json_pointer: None,
        expect_value: None,
        redirects: Redirects::Follow,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_server_that_never_answers_fails_each_probe_as_dns_in_time_and_others_go_on() {
    let checker = Checker::with_lookup(|_| None, Lookup::servers(&[silent_name_server()]));
    let estate = targets::estate().await;

    // Many probes of names at once (more than the blocking lookups of old could hold up
    // at a time), by every kind that looks a name up, and one by address.
    let mut named = Vec::new();
    for i in 0..24 {
        let kind = match i % 3 {
            0 => ProbeKind::Tcp {
                host: format!("esr-{i}.tis.test"),
                port: 22,
            },
            1 => http(format!("http://portal-{i}.tis.test/health")),
            _ => ProbeKind::Tls {
                host: format!("auth-{i}.tis.test"),
                port: 443,
                warn_days: 14,
                warn_publicly: false,
                ca_file: None,
            },
        };
        named.push(scheduled(&format!("{i}"), kind));
    }
    let by_address = scheduled("by-address", http(format!("{estate}/up/health")));

    let checker = &checker;
    let named_results = join_all(named.iter().map(|s| check_once(checker, s)));
    let (named_results, by_address) = tokio::join!(named_results, check_once(checker, &by_address));

    for result in &named_results {
        assert_eq!(
            result.error_kind,
            Some(ErrorKind::Dns),
            "a lookup that is never answered is a lookup failure, not a timeout: {result:?}"
        );
        assert!(
            result.detail.contains("could not be looked up") || result.detail.contains("dns"),
            "the detail says the name could not be looked up: {}",
            result.detail
        );
        assert!(
            u64::from(result.latency_ms) <= TIMEOUT_MS,
            "it failed within its timeout: {result:?}"
        );
    }
    assert!(
        by_address.ok,
        "a probe that needs no lookup is not held up: {by_address:?}"
    );
}
