//! Throttling and server faults on the services only the reference emulator
//! offers (Rackspace Cloud DNS, Designate): `overLimit` with `Retry-After`
//! is waited out and retried, persistent throttling becomes a typed
//! `RateLimited` error carrying the wait, and a 503 is retried. Each case
//! runs live against the emulator (recording with `CLOUD_FIXTURES=record`,
//! the faults injected outside the recording) and replays offline.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::time::Duration;

use cloud_core::{Dns, ErrorKind};
use support::{Server, Setup};

const DOMAINS: &str = "/rackdns/v1.0/123456/domains";
const ONE_DOMAIN: &str = "/rackdns/v1.0/123456/domains/2999999";
const ZONES: &str = "/designate/v2/zones";

/// Runs `case` live (injecting the fault first) and from its recording.
macro_rules! fault_case {
    ($name:ident, $server:expr, $api:literal, $fault:expr, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn live() {
                let Some(setup) = support::live($server, $api, stringify!($name)) else {
                    return;
                };
                // Log in first, so the fault hits the call under test.
                setup.cloud.session().token().await.unwrap();
                let (path, status, count, retry_after) = $fault;
                support::inject_fault(path, status, count, retry_after).await;
                ($body)(setup).await;
            }

            #[tokio::test]
            async fn replay() {
                if support::recording() {
                    // The live case is writing this fixture right now.
                    return;
                }
                let setup = support::replay($server, $api, stringify!($name));
                setup.cloud.session().token().await.unwrap();
                ($body)(setup).await;
            }
        }
    };
}

fn cloud_dns(setup: &Setup) -> Dns {
    Dns::new(setup.cloud.cloud_dns())
}

fault_case!(
    over_limit_then_success,
    Server::ReferenceRackspace,
    "faults",
    (DOMAINS, 413, 1, Some(1)),
    |setup: Setup| async move {
        let started = std::time::Instant::now();
        cloud_dns(&setup).list_zones_vec().await.unwrap();
        assert!(
            started.elapsed() >= Duration::from_millis(900),
            "Retry-After: 1 was honoured ({:?})",
            started.elapsed()
        );
    }
);

fault_case!(
    over_limit_exhausted,
    Server::ReferenceRackspace,
    "faults",
    (ONE_DOMAIN, 413, 3, Some(1)),
    |setup: Setup| async move {
        let err = cloud_dns(&setup).get_zone("2999999").await.unwrap_err();
        assert_eq!(
            err.kind(),
            &ErrorKind::RateLimited {
                retry_after: Some(Duration::from_secs(1))
            },
            "{err}"
        );
        assert_eq!(err.status(), Some(413));
        assert_eq!(err.code(), Some("overLimit"));
        assert!(err.to_string().contains("OverLimit"), "{err}");
    }
);

fault_case!(
    unavailable_then_success,
    Server::ReferenceOpenStack,
    "faults",
    (ZONES, 503, 1, None),
    |setup: Setup| async move {
        Dns::new(setup.cloud.designate())
            .list_zones_vec()
            .await
            .unwrap();
    }
);
