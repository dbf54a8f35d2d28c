//! Answers of real OpenStack services that the local servers do not give,
//! scripted: Glance v2 pages that must be followed by their `next` link,
//! and a server echoing the token in its error body.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use cloud_core::Environment;
use cloud_core::http::RetryPolicy;
use cloud_core::{Compute, Secret, Storage, Url};
use cloud_openstack::{Auth, OpenStack, OpenStackBuilder, Scope};
use cloud_testkit::canned::{Canned, CannedTransport};

const TOKEN: &str = "gAAAAAB-echoed-token-0001";

fn token_answer() -> Canned {
    let body = r#"{"token":{"expires_at":"2999-01-01T00:00:00Z","project":{"id":"p1"},"user":{"id":"u1"},
        "catalog":[
          {"type":"compute","name":"nova","endpoints":[{"interface":"public","region_id":"R1","url":"https://nova.invalid/v2.1"}]},
          {"type":"image","name":"glance","endpoints":[{"interface":"public","region_id":"R1","url":"https://glance.invalid"}]},
          {"type":"object-store","name":"swift","endpoints":[{"interface":"public","region_id":"R1","url":"https://swift.invalid/v1/AUTH_p1"}]}]}}"#;
    Canned::new(201, body).header("x-subject-token", TOKEN)
}

fn cloud(transport: &Arc<CannedTransport>, microversion: Option<&str>) -> OpenStack {
    let mut builder = OpenStackBuilder::openstack()
        .environment(Environment::from_vars(Vec::<(String, String)>::new()))
        .auth(Auth::V3Password {
            url: Url::parse("https://keystone.invalid/v3").unwrap(),
            user: "demo".into(),
            user_is_id: false,
            user_domain: None,
            password: Secret::new("answers-password-0001"),
            scope: Scope::project("demo", None),
        })
        .retry(RetryPolicy::none())
        .transport(transport.clone());
    if let Some(v) = microversion {
        builder = builder.nova_microversion(v);
    }
    builder.build().unwrap()
}

fn image(id: &str) -> String {
    format!(r#"{{"id":"{id}","name":"{id}","status":"active","visibility":"public"}}"#)
}

#[tokio::test]
async fn glance_pages_follow_the_next_link() {
    let transport = Arc::new(CannedTransport::new());
    transport.push(token_answer());
    // Glance sorts by its own key and carries its filters in the link: the
    // marker is not the id of the last image of the page.
    transport.push(Canned::new(
        200,
        format!(
            r#"{{"images":[{},{}],"next":"/v2/images?limit=2&marker=img-b&sort_key=name"}}"#,
            image("img-b"),
            image("img-a")
        ),
    ));
    transport.push(Canned::new(
        200,
        format!(r#"{{"images":[{}]}}"#, image("img-c")),
    ));
    let compute = Compute::new(cloud(&transport, Some("2.79")).nova());
    let images = compute.list_images_vec().await.unwrap();
    let ids: Vec<&str> = images.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["img-b", "img-a", "img-c"]);
    let requests = transport.requests();
    assert_eq!(
        requests[2], "GET https://glance.invalid/v2/images?limit=2&marker=img-b&sort_key=name",
        "{requests:?}"
    );
}

#[tokio::test]
async fn an_echoed_token_is_cut_out_of_the_error() {
    let transport = Arc::new(CannedTransport::new());
    transport.push(token_answer());
    transport.push(Canned::new(
        400,
        format!(r#"{{"badRequest":{{"message":"token {TOKEN} and password answers-password-0001 rejected","code":400}}}}"#),
    ));
    let compute = Compute::new(cloud(&transport, None).nova());
    let err = compute.list_nodes_vec().await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(!shown.contains("answers-password-0001"), "{shown}");
    assert!(
        shown.contains("token [redacted] and password [redacted]"),
        "{shown}"
    );

    let transport = Arc::new(CannedTransport::new());
    transport.push(token_answer());
    transport.push(Canned::new(
        403,
        format!("<html><p>forbidden for {TOKEN}</p></html>"),
    ));
    let storage = Storage::new(cloud(&transport, None).swift());
    let err = storage.list_containers_vec().await.unwrap_err();
    assert!(!format!("{err:?}").contains(TOKEN), "{err:?}");
}

/// Nova returns the root password it generated only in the create answer
/// (`adminPass`, as in the API reference's example): the node carries it
/// for deployment, never printed nor serialized, and an error that echoes
/// it has it cut out.
#[tokio::test]
async fn the_generated_root_password_comes_with_the_new_node_only() {
    const PASS: &str = "generated-root-pass-0001";
    let transport = Arc::new(CannedTransport::new());
    transport.push(token_answer());
    transport.push(Canned::new(
        202,
        format!(
            r#"{{"server":{{"id":"srv-1","adminPass":"{PASS}","OS-DCF:diskConfig":"AUTO","security_groups":[{{"name":"default"}}],"links":[]}}}}"#
        ),
    ));
    let detail = r#"{"server":{"id":"srv-1","name":"web-1","status":"BUILD","addresses":{},
        "flavor":{"id":"f1"},"image":{"id":"i1"},"created":"2026-12-03T10:00:00Z","metadata":{}}}"#;
    transport.push(Canned::new(200, detail));
    transport.push(Canned::new(
        500,
        format!(r#"{{"computeFault":{{"message":"could not set {PASS}","code":500}}}}"#),
    ));
    let compute = Compute::new(cloud(&transport, None).nova());
    let node = compute
        .create_node(&cloud_core::CreateNode::new("web-1", "f1", "i1"))
        .await
        .unwrap();
    assert_eq!(node.password.as_ref().map(Secret::expose), Some(PASS));
    let shown = format!("{node:?} {}", serde_json::to_string(&node).unwrap());
    assert!(!shown.contains(PASS), "{shown}");
    let err = compute.get_node("srv-1").await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains(PASS), "{err:?}");
}

/// Nova refuses to start an active server, or stop a stopped one (409);
/// the portable contract makes both a success that changes nothing, while
/// a refusal for any other state stands.
#[tokio::test]
async fn starting_a_running_server_succeeds_as_everywhere() {
    let server = |status: &str| {
        Canned::new(
            200,
            format!(
                r#"{{"server":{{"id":"srv-1","name":"web-1","status":"{status}","addresses":{{}},
                "flavor":{{"id":"f1"}},"image":{{"id":"i1"}},"created":"2026-12-03T10:00:00Z","metadata":{{}}}}}}"#
            ),
        )
    };
    let conflict = |verb: &str| {
        Canned::new(
            409,
            format!(
                r#"{{"conflictingRequest":{{"message":"Cannot '{verb}' instance srv-1 while it is in vm_state active","code":409}}}}"#
            ),
        )
    };
    let transport = Arc::new(CannedTransport::new());
    transport.push(token_answer());
    transport.push(conflict("start"));
    transport.push(server("ACTIVE"));
    transport.push(conflict("stop"));
    transport.push(server("SHUTOFF"));
    transport.push(conflict("start"));
    transport.push(server("ERROR"));
    let compute = Compute::new(cloud(&transport, None).nova());
    compute.start_node("srv-1").await.unwrap();
    compute.stop_node("srv-1").await.unwrap();
    let err = compute.start_node("srv-1").await.unwrap_err();
    assert_eq!(err.kind(), &cloud_core::ErrorKind::Conflict, "{err}");
}
