//! The fault suite: every storage and compute call, through the
//! [`FaultProxy`], against a real server.
//!
//! Each case scripts damage, makes calls, and checks what a user would see:
//! idempotent calls succeed after bounded, jittered retries; calls that must
//! not repeat are not repeated; downloads resume or fail, never come back
//! short; uploads that cannot finish leave no parts behind; each timeout
//! fires; failures are typed and carry the provider's request id.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use cloud_core::{ByteRange, Compute, CreateNode, CreateVolume, ErrorKind, Storage, UploadOptions};
use futures::TryStreamExt;

use crate::data;
use crate::fault_proxy::{Fault, FaultProxy, Rule, Seen};

/// Counts what a failed upload left behind in a container (unfinished
/// multipart uploads, orphaned segments).
pub type Leftovers =
    Box<dyn Fn(String) -> Pin<Box<dyn Future<Output = usize> + Send>> + Send + Sync>;

/// Settings every fault fixture's client must use, so the cases' timings
/// hold: 4 attempts, 10 ms initial backoff, 5 s request and read timeouts
/// (long enough for moto's slowest answers on a loaded 2-core machine).
pub mod settings {
    use std::time::Duration;

    use cloud_core::http::{RetryPolicy, Timeouts};

    /// Attempts per call.
    pub const MAX_ATTEMPTS: u32 = 4;

    /// The request and read timeouts.
    pub const TIMEOUT: Duration = Duration::from_secs(5);

    /// How long a stalled server stays silent: well past [`TIMEOUT`].
    pub const STALL: Duration = Duration::from_secs(12);

    /// The retry policy.
    pub fn retry() -> RetryPolicy {
        RetryPolicy::new()
            .max_attempts(MAX_ATTEMPTS)
            .initial_backoff(Duration::from_millis(10))
    }

    /// The timeouts.
    pub fn timeouts() -> Timeouts {
        Timeouts::new()
            .connect(Duration::from_secs(2))
            .request(TIMEOUT)
            .read(TIMEOUT)
    }
}

/// What the storage fault suite runs against.
pub struct StorageFaultFixture {
    /// A handle whose driver talks to `proxy` with [`settings`].
    pub storage: Storage,
    /// The proxy in front of the real server.
    pub proxy: FaultProxy,
    /// Prefix of container names.
    pub namespace: String,
    /// An object size that the driver uploads in several parts.
    pub multipart_bytes: usize,
    /// Matches the requests that upload one part (or segment).
    pub part_upload: fn(Fault) -> Rule,
    /// Counts what a failed upload left behind.
    pub leftovers: Leftovers,
    /// Whether a 401 makes the driver log in again (token providers).
    pub reauthenticates: bool,
}

/// What the compute fault suite runs against.
pub struct ComputeFaultFixture {
    /// A handle whose driver talks to `proxy` with [`settings`].
    pub compute: Compute,
    /// The proxy in front of the real server.
    pub proxy: FaultProxy,
    /// A size and image the server can boot.
    pub size: String,
    /// The image.
    pub image: String,
    /// Matches the request that creates a node.
    pub create_node: fn(Fault) -> Rule,
    /// Matches the request that creates a key pair.
    pub create_key_pair: fn(Fault) -> Rule,
    /// Matches the request that deletes a key pair.
    pub delete_key_pair: fn(Fault) -> Rule,
    /// Matches the request that lists nodes.
    pub list_nodes: fn(Fault) -> Rule,
    /// The idempotency token a create-node request carries, if the API has one.
    pub idempotency_token: fn(&Seen) -> Option<String>,
}

/// A fresh, empty container for one case.
async fn container(f: &StorageFaultFixture, case: &str) -> String {
    let name = format!("{}-{case}", f.namespace);
    crate::conformance::storage::remove_container(&f.storage, &name).await;
    name
}

/// The requests in the log after the first faulted one.
fn after_fault(log: &[Seen]) -> &[Seen] {
    match log.iter().position(|s| s.fault.is_some()) {
        Some(i) => &log[i + 1..],
        None => &[],
    }
}

/// Runs `call` with `fault` injected into its next request and checks it
/// still succeeds, by retrying.
async fn survives<T, E: std::fmt::Display>(
    proxy: &FaultProxy,
    what: &str,
    fault: Fault,
    call: impl Future<Output = Result<T, E>>,
) -> T {
    proxy.clear_log();
    let name = fault.name();
    proxy.inject(Rule::new(fault));
    let result = call.await;
    let log = proxy.log();
    let value = result.unwrap_or_else(|e| panic!("{what} failed after a {name} fault: {e}"));
    assert_eq!(
        proxy_faults(&log),
        1,
        "{what}: the {name} fault was not injected"
    );
    assert!(
        !after_fault(&log).is_empty(),
        "{what}: nothing was retried after the {name} fault"
    );
    proxy.clear_rules();
    value
}

fn proxy_faults(log: &[Seen]) -> usize {
    log.iter().filter(|s| s.fault.is_some()).count()
}

/// A 503 (and other transient faults) on every storage call is retried.
pub async fn storage_calls_retry_transient_faults(f: &StorageFaultFixture) {
    let c = container(f, "retry").await;
    let s = &f.storage;
    let p = &f.proxy;
    let body = data::bytes(1, 10_000);
    let plain = UploadOptions::new();
    survives(
        p,
        "create_container",
        Fault::unavailable(),
        s.create_container(&c),
    )
    .await;
    survives(
        p,
        "get_container",
        Fault::internal_error(),
        s.get_container(&c),
    )
    .await;
    survives(
        p,
        "list_containers",
        Fault::slow_down(),
        s.list_containers_vec(),
    )
    .await;
    let upload = s.upload_bytes(&c, "a/obj", body.clone(), &plain);
    survives(p, "upload_bytes", Fault::unavailable(), upload).await;
    let upload = s.upload_bytes(&c, "a/obj", body.clone(), &plain);
    survives(p, "upload_bytes", Fault::Reset { forward: true }, upload).await;
    survives(
        p,
        "get_object",
        Fault::throttled(0),
        s.get_object(&c, "a/obj"),
    )
    .await;
    let got = survives(
        p,
        "download_bytes",
        Fault::Reset { forward: false },
        s.download_bytes(&c, "a/obj"),
    )
    .await;
    assert_eq!(got, body);
    let range = async {
        s.download_range(&c, "a/obj", ByteRange::bounded(10, 20)?)
            .await?
            .bytes()
            .await
    };
    let got = survives(p, "download_range", Fault::unavailable(), range).await;
    assert_eq!(got, body.slice(10..20));
    let listed = survives(
        p,
        "list_objects",
        Fault::slow_down(),
        s.list_objects_vec(&c, None),
    )
    .await;
    assert_eq!(listed.len(), 1);
    survives(
        p,
        "copy_object",
        Fault::unavailable(),
        s.copy_object(&c, "a/obj", &c, "b/copy"),
    )
    .await;
    survives(
        p,
        "delete_object",
        Fault::unavailable(),
        s.delete_object(&c, "a/obj"),
    )
    .await;
    survives(
        p,
        "delete_object",
        Fault::internal_error(),
        s.delete_object(&c, "b/copy"),
    )
    .await;
    survives(
        p,
        "delete_container",
        Fault::unavailable(),
        s.delete_container(&c),
    )
    .await;
}

/// `Retry-After` is waited out in both forms; one longer than the policy
/// allows is returned at once as `RateLimited` with the wait.
pub async fn throttling_honours_retry_after(f: &StorageFaultFixture) {
    let c = container(f, "throttle").await;
    let s = &f.storage;
    s.create_container(&c).await.unwrap();
    s.upload_bytes(&c, "o", &b"x"[..], &UploadOptions::new())
        .await
        .unwrap();
    let started = Instant::now();
    survives(
        &f.proxy,
        "get_object",
        Fault::throttled(1),
        s.get_object(&c, "o"),
    )
    .await;
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After: 1 not waited"
    );
    let until = std::time::SystemTime::now() + Duration::from_secs(2);
    let started = Instant::now();
    survives(
        &f.proxy,
        "get_object",
        Fault::throttled_until(until),
        s.get_object(&c, "o"),
    )
    .await;
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After as an HTTP-date not waited"
    );
    f.proxy.inject(Rule::new(Fault::throttled(3600)).times(10));
    let started = Instant::now();
    let err = s.get_object(&c, "o").await.unwrap_err();
    f.proxy.clear_rules();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        err.kind(),
        &ErrorKind::RateLimited {
            retry_after: Some(Duration::from_secs(3600))
        },
        "{err}"
    );
    cleanup(s, &c).await;
}

/// A fault that never clears ends after the policy's attempts, quickly,
/// with a typed error carrying the status and the request id.
pub async fn retries_are_bounded(f: &StorageFaultFixture) {
    let c = container(f, "bounded").await;
    let s = &f.storage;
    s.create_container(&c).await.unwrap();
    f.proxy.clear_log();
    f.proxy.inject(Rule::new(Fault::unavailable()).times(100));
    let started = Instant::now();
    let err = s.get_object(&c, "o").await.unwrap_err();
    f.proxy.clear_rules();
    let attempts = f.proxy.faults_injected();
    assert_eq!(attempts, settings::MAX_ATTEMPTS as usize, "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(err.status(), Some(503), "{err}");
    assert!(
        err.request_id().is_some_and(|id| id.starts_with("fault-")),
        "no request id in {err:?}"
    );
    // A reset that never clears is a transport error, also bounded.
    f.proxy
        .inject(Rule::new(Fault::Reset { forward: false }).times(100));
    let err = s.list_containers_vec().await.unwrap_err();
    f.proxy.clear_rules();
    assert_eq!(err.kind(), &ErrorKind::Transport, "{err}");
    cleanup(s, &c).await;
}

/// A download cut mid-body (reset, short body, or stalled past the read
/// timeout) resumes from where it stopped and returns every byte.
pub async fn interrupted_downloads_resume(f: &StorageFaultFixture) {
    let c = container(f, "resume").await;
    let s = &f.storage;
    s.create_container(&c).await.unwrap();
    let body = data::bytes(2, 200_000);
    s.upload_bytes(&c, "big", body.clone(), &UploadOptions::new())
        .await
        .unwrap();
    for fault in [
        Fault::ResetMidBody { after: 50_000 },
        Fault::Truncate { after: 70_000 },
        Fault::StallMidBody {
            after: 90_000,
            duration: settings::STALL,
        },
    ] {
        let name = fault.name();
        f.proxy.clear_log();
        f.proxy.inject(Rule::new(fault).method("GET").path("big"));
        let got = s.download_bytes(&c, "big").await;
        let log = f.proxy.log();
        let got = got.unwrap_or_else(|e| panic!("download after {name}: {e}"));
        assert_eq!(got.len(), body.len(), "{name}");
        assert!(got == body, "{name}: bytes differ");
        let resumed = after_fault(&log)
            .iter()
            .find(|s| s.method == "GET" && s.path.ends_with("big"))
            .unwrap_or_else(|| panic!("{name}: no second GET in {log:?}"));
        let range = resumed.range.as_deref().unwrap_or_default();
        assert!(
            range.starts_with("bytes=") && !range.starts_with("bytes=0-"),
            "{name}: resumed with range {range:?}"
        );
    }
    cleanup(s, &c).await;
}

/// A server that sends nothing hits the request timeout and is retried;
/// one that never answers fails with `Timeout` in bounded time. A body
/// that trickles in slower than the read timeout allows per whole body, but
/// faster per chunk, is not cut off.
pub async fn timeouts_fire_and_slow_bodies_survive(f: &StorageFaultFixture) {
    let c = container(f, "timeouts").await;
    let s = &f.storage;
    s.create_container(&c).await.unwrap();
    let body = data::bytes(3, 64 * 1024);
    s.upload_bytes(&c, "o", body.clone(), &UploadOptions::new())
        .await
        .unwrap();
    let started = Instant::now();
    let stall = Fault::Stall {
        duration: settings::STALL,
    };
    survives(&f.proxy, "get_object", stall.clone(), s.get_object(&c, "o")).await;
    assert!(started.elapsed() >= settings::TIMEOUT);
    f.proxy.inject(Rule::new(stall).times(100));
    let started = Instant::now();
    let err = s.get_object(&c, "o").await.unwrap_err();
    f.proxy.clear_rules();
    assert_eq!(err.kind(), &ErrorKind::Timeout, "{err}");
    assert!(started.elapsed() < settings::TIMEOUT * (settings::MAX_ATTEMPTS + 2));
    // 32 chunks, 200 ms apart: 6.4 s in all, past the 5 s timeout, though
    // no single gap is.
    f.proxy.inject(
        Rule::new(Fault::Trickle {
            chunk: 2048,
            delay: Duration::from_millis(200),
        })
        .method("GET")
        .path("/o"),
    );
    let started = Instant::now();
    let got = s.download_bytes(&c, "o").await.unwrap();
    assert!(got == body);
    assert!(started.elapsed() >= settings::TIMEOUT);
    cleanup(s, &c).await;
}

/// Garbage in place of a listing is a `MalformedResponse`, not a panic and
/// not an empty list.
pub async fn malformed_answers_are_typed_errors(f: &StorageFaultFixture) {
    let c = container(f, "malformed").await;
    let s = &f.storage;
    s.create_container(&c).await.unwrap();
    let garbage = "<?xml version=\"1.0\"?><ListBucketResult><Contents><Key>cut";
    for (what, rule) in [
        (
            "list_containers",
            Rule::new(malformed(garbage)).method("GET"),
        ),
        (
            "list_objects",
            Rule::new(malformed("{\"name\": [1, 2")).method("GET"),
        ),
    ] {
        f.proxy.inject(rule);
        let result = if what == "list_containers" {
            s.list_containers_vec().await.map(|_| ())
        } else {
            s.list_objects_vec(&c, None).await.map(|_| ())
        };
        f.proxy.clear_rules();
        let err = result.expect_err(what);
        assert_eq!(err.kind(), &ErrorKind::MalformedResponse, "{what}: {err}");
    }
    cleanup(s, &c).await;
}

fn malformed(body: &str) -> Fault {
    Fault::Malformed { body: body.into() }
}

/// A multipart upload whose parts keep failing is abandoned and cleaned
/// up; one whose part fails once is retried and completes.
pub async fn failed_multipart_uploads_leave_nothing(f: &StorageFaultFixture) {
    let c = container(f, "multipart").await;
    let s = &f.storage;
    s.create_container(&c).await.unwrap();
    let n = f.multipart_bytes;
    f.proxy
        .inject((f.part_upload)(Fault::unavailable()).times(1000));
    let err = s
        .upload(&c, "big", data::stream(4, n as u64), &UploadOptions::new())
        .await
        .unwrap_err();
    f.proxy.clear_rules();
    assert!(
        err.status() == Some(503) || err.kind() == &ErrorKind::Transport,
        "{err}"
    );
    assert_eq!((f.leftovers)(c.clone()).await, 0, "parts left after {err}");
    assert!(s.get_object(&c, "big").await.is_err());
    // One reset part: the part is sent again and the upload completes.
    f.proxy
        .inject((f.part_upload)(Fault::Reset { forward: true }).times(1));
    let object = s
        .upload(&c, "big", data::stream(4, n as u64), &UploadOptions::new())
        .await
        .unwrap();
    f.proxy.clear_rules();
    assert_eq!(object.size, n as u64);
    let got = s.download_bytes(&c, "big").await.unwrap();
    assert!(got == data::bytes(4, n));
    // Deleting the object takes its parts (Swift's segments) with it.
    s.delete_object(&c, "big").await.unwrap();
    assert_eq!((f.leftovers)(c.clone()).await, 0);
    cleanup(s, &c).await;
}

/// A 401 makes a token driver log in again and succeed; a signing driver
/// (whose credentials cannot be renewed) reports `InvalidCredentials`.
pub async fn expired_credentials(f: &StorageFaultFixture) {
    let c = container(f, "expired").await;
    let s = &f.storage;
    s.create_container(&c).await.unwrap();
    f.proxy.clear_log();
    f.proxy
        .inject(Rule::new(Fault::expired_token()).method("HEAD"));
    let result = s.get_container(&c).await;
    f.proxy.clear_rules();
    if f.reauthenticates {
        result.unwrap();
        assert!(
            after_fault(&f.proxy.log()).len() >= 2,
            "no login after the 401"
        );
    } else {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidCredentials, "{err}");
    }
    cleanup(s, &c).await;
}

async fn cleanup(s: &Storage, c: &str) {
    if let Ok(objects) = s.list_objects_vec(c, None).await {
        for o in objects {
            let _ = s.delete_object(c, &o.name).await;
        }
    }
    let _ = s.delete_container(c).await;
}

/// A 503 on every idempotent compute call is retried, a throttling answer
/// on every other one; a bare 503 on a non-idempotent call is returned, not
/// repeated; node creation retried after a reset reuses its idempotency
/// token; a key pair (no token) is not created twice; garbage is a typed
/// error.
pub async fn compute_calls_retry_transient_faults(f: &ComputeFaultFixture) {
    let c = &f.compute;
    let p = &f.proxy;
    survives(p, "list_sizes", Fault::unavailable(), c.list_sizes()).await;
    survives(
        p,
        "list_locations",
        Fault::internal_error(),
        c.list_locations(),
    )
    .await;
    survives(p, "list_images", Fault::unavailable(), c.list_images_vec()).await;
    survives(p, "get_image", Fault::unavailable(), c.get_image(&f.image)).await;
    survives(
        p,
        "list_volumes",
        Fault::unavailable(),
        c.list_volumes_vec(),
    )
    .await;
    survives(
        p,
        "list_snapshots",
        Fault::unavailable(),
        c.list_snapshots().try_collect::<Vec<_>>(),
    )
    .await;
    survives(
        p,
        "list_key_pairs",
        Fault::unavailable(),
        c.list_key_pairs().try_collect::<Vec<_>>(),
    )
    .await;
    let request = CreateNode::new("fault-node", &f.size, &f.image);
    p.clear_log();
    p.inject((f.create_node)(Fault::Reset { forward: true }));
    let node = c.create_node(&request).await.unwrap();
    p.clear_rules();
    let creates: Vec<Seen> = p
        .log()
        .into_iter()
        .filter(|s| (f.create_node)(Fault::status(500)).matches_seen(s))
        .collect();
    assert_eq!(
        creates.len(),
        2,
        "create_node was not retried once: {creates:?}"
    );
    let tokens: Vec<Option<String>> = creates.iter().map(f.idempotency_token).collect();
    assert!(
        tokens[0].is_some(),
        "create_node carries no idempotency token"
    );
    assert_eq!(
        tokens[0], tokens[1],
        "the retry changed the idempotency token"
    );
    survives(p, "list_nodes", Fault::unavailable(), c.list_nodes_vec()).await;
    survives(p, "get_node", Fault::slow_down(), c.get_node(&node.id)).await;
    survives(
        p,
        "reboot_node",
        Fault::unavailable(),
        c.reboot_node(&node.id),
    )
    .await;
    survives(p, "stop_node", Fault::unavailable(), c.stop_node(&node.id)).await;
    survives(
        p,
        "start_node",
        Fault::internal_error(),
        c.start_node(&node.id),
    )
    .await;

    // Calls that are not idempotent: a throttling answer (the provider did
    // nothing) is retried; a bare 503 (it may have done something) is not.
    let throttled = Fault::request_limit_exceeded;
    let volume = survives(
        p,
        "create_volume",
        Fault::unavailable(),
        c.create_volume(&CreateVolume::new("fault-volume", 1)),
    )
    .await;
    let attach = c.attach_volume(&volume.id, &node.id, Some("/dev/sdh"));
    survives(p, "attach_volume", throttled(), attach).await;
    survives(p, "detach_volume", throttled(), c.detach_volume(&volume.id)).await;
    let snapshot = survives(
        p,
        "create_snapshot",
        throttled(),
        c.create_snapshot(&volume.id, Some("fault-snapshot")),
    )
    .await;
    survives(
        p,
        "destroy_snapshot",
        throttled(),
        c.destroy_snapshot(&snapshot.id),
    )
    .await;
    survives(
        p,
        "destroy_volume",
        throttled(),
        c.destroy_volume(&volume.id),
    )
    .await;
    let key =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAt1nfNUakXtyGGtz3kI4V7u8nIZOEd4rMn3Ao0AE2Ey fault";
    survives(
        p,
        "import_key_pair",
        throttled(),
        c.import_key_pair("fault-imported", key),
    )
    .await;
    p.clear_log();
    p.inject((f.delete_key_pair)(Fault::unavailable()));
    let err = c.delete_key_pair("fault-imported").await.unwrap_err();
    p.clear_rules();
    assert_eq!(err.status(), Some(503), "{err}");
    let sent = p
        .log()
        .iter()
        .filter(|s| (f.delete_key_pair)(Fault::status(500)).matches_seen(s))
        .count();
    assert_eq!(sent, 1, "a non-idempotent call was repeated after a 503");
    c.delete_key_pair("fault-imported").await.unwrap();
    survives(
        p,
        "destroy_node",
        Fault::unavailable(),
        c.destroy_node(&node.id),
    )
    .await;

    p.clear_log();
    p.inject((f.create_key_pair)(Fault::Reset { forward: true }));
    let err = c.create_key_pair("fault-key").await.unwrap_err();
    p.clear_rules();
    assert_eq!(err.kind(), &ErrorKind::Transport, "{err}");
    let sent = p
        .log()
        .iter()
        .filter(|s| (f.create_key_pair)(Fault::status(500)).matches_seen(s))
        .count();
    assert_eq!(sent, 1, "a non-idempotent create was repeated");
    // The server did act on it: the error told the truth ("may have happened").
    assert!(c.get_key_pair("fault-key").await.is_ok());
    c.delete_key_pair("fault-key").await.unwrap();

    p.inject((f.list_nodes)(malformed(
        "<DescribeInstancesResponse><reservationSet><item>",
    )));
    let err = c.list_nodes_vec().await.unwrap_err();
    p.clear_rules();
    assert_eq!(err.kind(), &ErrorKind::MalformedResponse, "{err}");
    p.inject((f.list_nodes)(Fault::unavailable()).times(100));
    let err = c.list_nodes_vec().await.unwrap_err();
    p.clear_rules();
    assert_eq!(err.status(), Some(503), "{err}");
    assert!(err.request_id().is_some(), "no request id in {err:?}");
}

/// Runs the storage fault suite: one `#[test]` per case.
#[macro_export]
macro_rules! storage_fault_suite {
    ($factory:expr) => {
        $crate::__fault_suite!(
            StorageFaultFixture,
            $factory,
            [
                storage_calls_retry_transient_faults,
                throttling_honours_retry_after,
                retries_are_bounded,
                interrupted_downloads_resume,
                timeouts_fire_and_slow_bodies_survive,
                malformed_answers_are_typed_errors,
                failed_multipart_uploads_leave_nothing,
                expired_credentials,
            ]
        );
    };
}

/// Runs the compute fault suite.
#[macro_export]
macro_rules! compute_fault_suite {
    ($factory:expr) => {
        $crate::__fault_suite!(
            ComputeFaultFixture,
            $factory,
            [compute_calls_retry_transient_faults]
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __fault_suite {
    ($fixture:ident, $factory:expr, [$($case:ident),* $(,)?]) => {
        $(
            #[test]
            fn $case() {
                $crate::run(async {
                    let fixture: Option<$crate::conformance::faults::$fixture> =
                        ($factory)(stringify!($case)).await;
                    let Some(fixture) = fixture else { return };
                    $crate::conformance::faults::$case(&fixture).await;
                });
            }
        )*
    };
}
