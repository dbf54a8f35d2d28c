//! Identity against a real Keystone v3: password (project scope), token and
//! application-credential logins, wrong credentials, and tokens renewed
//! before they expire and after the server revokes them, without the caller
//! seeing an error. The password login is also recorded and replayed
//! offline.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use cloud_core::Url;
use cloud_core::http::{Body, HttpClient, HttpRequest, Method};
use cloud_core::{ErrorKind, Secret};
use cloud_openstack::identity::TokenSigner;
use cloud_openstack::{Auth, OpenStack, Scope, Session};
use serde_json::{Value, json};
use support::Server;

/// An HTTP client that signs with `session`'s token, as drivers do.
fn signed_client(setup: &support::Setup, session: &Session) -> HttpClient {
    HttpClient::builder("test")
        .transport(setup.transport.clone())
        .allow_http(true)
        .signer(Arc::new(TokenSigner::new(session.clone())))
        .build()
        .unwrap()
}

async fn identity_url(cloud: &OpenStack) -> Url {
    cloud.session().endpoint(&["identity"], &[]).await.unwrap()
}

async fn get_json(http: &HttpClient, url: Url) -> Value {
    let response = http.send(HttpRequest::new(Method::GET, url)).await.unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
}

async fn password_login(setup: support::Setup) {
    let session = setup.cloud.session();
    let token = session.token().await.unwrap();
    assert!(token.expires.is_some());
    assert!(token.user_id.is_some() && token.project_id.is_some());
    let url = identity_url(&setup.cloud).await;
    assert!(url.path().ends_with("/v3"), "{url}");
    // The token is cached: one login for any number of uses.
    session.token().await.unwrap();
    assert_eq!(session.authentications(), 1);
    let http = signed_client(&setup, session);
    let projects = get_json(&http, support::join(&url, "projects")).await;
    let names: Vec<&str> = projects["projects"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert!(names.contains(&"admin"), "{names:?}");
}

#[tokio::test]
async fn a_password_login_scoped_to_a_project_gets_a_token_and_catalog() {
    let Some(setup) = support::live(Server::Keystone, "identity", "password") else {
        return;
    };
    password_login(setup).await;
}

#[tokio::test]
async fn a_password_login_replays_offline() {
    if support::recording() {
        return; // the fixture is being rewritten by the live test
    }
    password_login(support::replay(Server::Keystone, "identity", "password")).await;
}

#[tokio::test]
async fn a_wrong_password_or_user_is_invalid_credentials() {
    let Some(url) = support::live_url(Server::Keystone) else {
        return;
    };
    for (user, password) in [("admin", "not-the-password"), ("nobody", "whatever-secret")] {
        let auth = Auth::V3Password {
            url: url.clone(),
            user: user.into(),
            user_is_id: false,
            user_domain: None,
            password: Secret::new(password),
            scope: Scope::project("admin", None),
        };
        let setup = support::live_with(Server::Keystone, |b| b.auth(auth)).unwrap();
        let err = setup.cloud.session().token().await.unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::InvalidCredentials, "{err}");
        assert_eq!(err.status(), Some(401));
        assert!(!format!("{err} {err:?}").contains(password));
    }
}

#[tokio::test]
async fn token_and_application_credential_logins_work() {
    let Some(setup) = support::live_with(Server::Keystone, |b| b) else {
        return;
    };
    let url = support::live_url(Server::Keystone).unwrap();
    let first = setup.cloud.session().token().await.unwrap();

    // Rescoping an existing token.
    let by_token = support::live_with(Server::Keystone, |b| {
        b.auth(Auth::V3Token {
            url: url.clone(),
            token: first.token.clone(),
            scope: Scope::project("admin", None),
        })
    })
    .unwrap();
    let second = by_token.cloud.session().token().await.unwrap();
    assert_eq!(second.user_id, first.user_id);
    assert_ne!(second.token.expose(), first.token.expose());

    // An application credential, created with the admin token.
    let http = signed_client(&setup, setup.cloud.session());
    let user = first.user_id.clone().unwrap();
    let name = format!("ct-{}", cloud_core::unique::unique_token());
    let secret = "ct-application-secret";
    let request = HttpRequest::new(
        Method::POST,
        support::join(&url, &format!("users/{user}/application_credentials")),
    )
    .header("content-type", "application/json")
    .unwrap()
    .body(Body::from_bytes(
        json!({ "application_credential": { "name": name, "secret": secret } }).to_string(),
    ));
    let response = http.send(request).await.unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let created: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
    let id = created["application_credential"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let by_credential = support::live_with(Server::Keystone, |b| {
        b.auth(Auth::V3ApplicationCredential {
            url: url.clone(),
            id: id.clone(),
            secret: Secret::new(secret),
        })
    })
    .unwrap();
    let third = by_credential.cloud.session().token().await.unwrap();
    assert_eq!(third.user_id, first.user_id);
    assert_eq!(third.project_id, first.project_id);

    let wrong = support::live_with(Server::Keystone, |b| {
        b.auth(Auth::V3ApplicationCredential {
            url: url.clone(),
            id,
            secret: Secret::new("not-the-secret"),
        })
    })
    .unwrap();
    let err = wrong.cloud.session().token().await.unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::InvalidCredentials, "{err}");
}

#[tokio::test]
async fn a_token_about_to_expire_is_renewed_before_use() {
    // Keystone issues tokens for an hour (expiry truncated to the second);
    // a margin of an hour less six seconds makes this one "about to expire"
    // five to six seconds after issue, long enough for the first call on a
    // loaded CI machine.
    let Some(setup) = support::live_with(Server::Keystone, |b| {
        b.refresh_margin(Duration::from_secs(3600 - 6))
    }) else {
        return;
    };
    let session = setup.cloud.session();
    let http = signed_client(&setup, session);
    let url = identity_url(&setup.cloud).await;
    get_json(&http, support::join(&url, "projects")).await;
    assert_eq!(session.authentications(), 1);
    tokio::time::sleep(Duration::from_millis(6500)).await;
    get_json(&http, support::join(&url, "projects")).await;
    assert_eq!(session.authentications(), 2);
}

#[tokio::test]
async fn a_token_revoked_mid_run_is_replaced_without_an_error() {
    let Some(setup) = support::live_with(Server::Keystone, |b| b) else {
        return;
    };
    let session = setup.cloud.session();
    let http = signed_client(&setup, session);
    let url = identity_url(&setup.cloud).await;
    get_json(&http, support::join(&url, "projects")).await;
    let token = session.token().await.unwrap().token.clone();

    // Revoke it behind the session's back.
    let revoke = HttpRequest::new(Method::DELETE, support::join(&url, "auth/tokens"))
        .header("x-subject-token", token.expose())
        .unwrap();
    let response = http.send(revoke).await.unwrap();
    assert_eq!(response.status().as_u16(), 204);

    // Keystone now answers 401 to it; the caller sees a normal answer.
    get_json(&http, support::join(&url, "projects")).await;
    assert_eq!(session.authentications(), 2);
    assert_ne!(
        session.token().await.unwrap().token.expose(),
        token.expose()
    );
}
