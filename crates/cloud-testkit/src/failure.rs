//! A provider's error mapper fed a failed answer, for the unit tests of
//! each JSON provider's `error.rs` (what its documented error bodies
//! become), without a server.

use cloud_core::Error;
use cloud_core::http::rest::{About, ErrorMapper, Failure};
use cloud_core::http::{HeaderMap, StatusCode};

/// What `mapper` makes of a `status` answer of `api` with `body`, about
/// `about`.
///
/// # Panics
///
/// When `status` is not a valid HTTP status (a test's mistake).
pub fn mapped(
    mapper: ErrorMapper,
    api: &str,
    status: u16,
    body: &str,
    about: Option<About<'_>>,
) -> Error {
    mapper(&Failure {
        api,
        status: StatusCode::from_u16(status).expect("a valid HTTP status"),
        headers: &HeaderMap::new(),
        body: body.as_bytes(),
        about,
    })
}

/// Asserts that `err` is the refusal of a wrong credential
/// (`InvalidCredentials`) and that `secret` shows nowhere in it, neither
/// in its message nor in its `Debug`.
///
/// # Panics
///
/// When either does not hold (the test fails).
pub fn assert_refused_without(err: &Error, secret: &str) {
    assert_eq!(
        err.kind(),
        &cloud_core::ErrorKind::InvalidCredentials,
        "{err}"
    );
    assert!(
        !format!("{err} {err:?}").contains(secret),
        "the credential shows in the error: {err:?}"
    );
}
