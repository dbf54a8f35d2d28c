//! The storage conformance suite and Azure's specifics against Azurite
//! (skipped when it is not running; `cargo xtask test` starts it).
#![allow(clippy::unwrap_used)]

use crate::support;

mod storage {
    cloud_testkit::storage_suite!(|case: &'static str| async move {
        super::support::live(case).map(super::support::storage_fixture)
    });
}
