//! The shared DNS suite against a real PowerDNS Authoritative Server on
//! loopback (skipped when it is not running; `cargo xtask test` installs
//! and starts it, as this crate's manifest declares).
#![allow(clippy::unwrap_used)]

use crate::support;

mod powerdns {
    cloud_testkit::dns_suite!(|case: &'static str| async move {
        super::support::live(case).map(super::support::dns_fixture)
    });
}

/// A wrong API key is `InvalidCredentials`, and the key never shows in
/// the error.
#[test]
fn credentials() {
    cloud_testkit::run(async {
        let Some(url) = support::live_url() else {
            return;
        };
        let wrong = support::builder(&url)
            .api_key("not-the-key-0001")
            .build()
            .unwrap();
        let err = cloud_core::Dns::new(wrong)
            .list_zones_vec()
            .await
            .unwrap_err();
        cloud_testkit::failure::assert_refused_without(&err, "not-the-key-0001");
    });
}

/// What PowerDNS itself serves after changes through the API: the record
/// answers real DNS queries on the server's UDP port.
#[test]
fn records_are_served() {
    cloud_testkit::run(async {
        let Some(url) = support::live_url() else {
            return;
        };
        let Ok(dns_addr) = std::env::var("CLOUD_TEST_POWERDNS_DNS") else {
            return;
        };
        let dns = cloud_core::Dns::new(support::builder(&url).build().unwrap());
        let _ = dns.delete_zone("served.cloud.test").await;
        let zone = dns
            .create_zone(&cloud_core::CreateZone::new("served.cloud.test"))
            .await
            .unwrap();
        dns.create_record(
            &zone.id,
            &cloud_core::RecordSpec::new("www", cloud_core::RecordType::A, "192.0.2.53").ttl(60),
        )
        .await
        .unwrap();
        let answer = query_a(&dns_addr, "www.served.cloud.test");
        dns.delete_zone(&zone.id).await.unwrap();
        assert_eq!(answer, Some([192, 0, 2, 53]));
    });
}

/// The first A record of a plain UDP query for `name` at `server`.
fn query_a(server: &str, name: &str) -> Option<[u8; 4]> {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut query = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in name.split('.') {
        query.push(label.len() as u8);
        query.extend_from_slice(label.as_bytes());
    }
    query.extend_from_slice(&[0, 0, 1, 0, 1]);
    socket.send_to(&query, server).unwrap();
    let mut buf = [0u8; 512];
    let n = socket.recv(&mut buf).ok()?;
    let answers = u16::from_be_bytes([buf[6], buf[7]]);
    if answers == 0 || n < query.len() + 16 {
        return None;
    }
    // The answer follows the question; with name compression its A data
    // is the last 4 bytes of a one-answer response.
    Some([buf[n - 4], buf[n - 3], buf[n - 2], buf[n - 1]])
}
