//! The storage conformance suite on exchanges recorded from Azurite
//! (`fixtures/azure/azurite/`), always, offline.
#![allow(clippy::unwrap_used)]

use crate::support;

mod storage {
    cloud_testkit::storage_suite!(|case: &'static str| async move {
        Some(super::support::storage_fixture(super::support::replay(
            case,
        )))
    });
}
