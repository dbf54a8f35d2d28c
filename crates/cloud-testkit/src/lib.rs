//! Test tooling for `cloud` drivers: the conformance suites every driver
//! runs, record/replay transports for offline fixtures, and helpers to find
//! the local servers live suites need.
//!
//! A driver crate runs a suite with one macro per API, giving a factory that
//! builds a fixture (or `None` when a live server is unavailable locally):
//!
//! ```text
//! cloud_testkit::storage_suite!(|_case: &'static str| async {
//!     Some(cloud_testkit::StorageFixture::new(Storage::new(MyDriver::new())))
//! });
//! ```
//!
//! The factory receives the case name, so a replaying fixture can load the
//! exchanges recorded for that case.
//!
//! Each case becomes its own `#[test]`, so failures are reported (and can
//! be rerun) one by one. A case checks only what the driver declares in its
//! capabilities, and checks that what it does not declare answers
//! `Unsupported`.

pub mod canned;
pub mod cassette;
pub mod conformance;
pub mod data;
pub mod failure;
pub mod fault_proxy;
pub mod http_proxy;
pub mod large_upload;
pub mod record;
pub mod recordings;
pub mod replay;
pub mod servers;

pub use conformance::compute::ComputeFixture;
pub use conformance::dns::DnsFixture;
pub use conformance::loadbalancer::LoadBalancerFixture;
pub use conformance::storage::StorageFixture;

/// A turn of the cases that must run one at a time in this test binary
/// (see [`ComputeFixture::exclusive`]), ended when dropped.
#[derive(Debug)]
pub struct Turn(());

static TAKEN: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
static FREED: std::sync::Condvar = std::sync::Condvar::new();

/// Waits for this test's turn: blocks the calling thread while another
/// case holds one (test runtimes have a thread to spare).
pub fn one_at_a_time() -> Turn {
    let mut taken = TAKEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    while *taken {
        taken = FREED
            .wait(taken)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
    }
    *taken = true;
    Turn(())
}

impl Drop for Turn {
    fn drop(&mut self) {
        *TAKEN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = false;
        FREED.notify_one();
    }
}

/// Runs an async test body on a two-thread runtime (what the generated
/// tests call).
pub fn run<F: std::future::Future<Output = ()>>(future: F) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    match runtime {
        Ok(rt) => rt.block_on(future),
        Err(e) => panic!("cannot start a tokio runtime: {e}"),
    }
}

/// Asserts that `result` is an error whose kind matches `pattern`, and
/// returns the error.
///
/// ```
/// use cloud_core::{Error, ErrorKind, ResourceKind};
///
/// let result: cloud_core::Result<()> = Err(Error::not_found(ResourceKind::Node, "n1"));
/// let err = cloud_testkit::assert_kind!(result, ErrorKind::NotFound { .. });
/// assert!(err.is_not_found());
/// ```
#[macro_export]
macro_rules! assert_kind {
    ($result:expr, $pattern:pat) => {
        match $result {
            Err(e) if matches!(e.kind(), $pattern) => e,
            Err(e) => panic!(
                "expected an error of kind {}, got {:?} ({e})",
                stringify!($pattern),
                e.kind()
            ),
            Ok(v) => panic!(
                "expected an error of kind {}, got Ok({:?})",
                stringify!($pattern),
                v
            ),
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __suite {
    ($module:ident, $factory:expr, [$($case:ident),* $(,)?]) => {
        $(
            #[test]
            fn $case() {
                $crate::run(async {
                    let Some(fixture) = ($factory)(stringify!($case)).await else { return };
                    if let Some(reason) = fixture.skip_reason(stringify!($case)) {
                        eprintln!("skipping {}: {reason}", stringify!($case));
                        return;
                    }
                    $crate::conformance::$module::$case(&fixture).await;
                });
            }
        )*
    };
}
