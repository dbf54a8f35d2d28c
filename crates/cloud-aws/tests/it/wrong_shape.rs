//! A successful answer of the wrong shape is an error from every parser,
//! never an empty result: a proxy's page, a captive portal's XML, another
//! call's answer. (EC2 once printed an empty node table for one.)
#![allow(clippy::unwrap_used)]

use cloud_aws::{ec2, elb, route53, s3};
use cloud_core::{ErrorKind, Result};

const WRONG: &str = "<Unexpected><Item>1</Item></Unexpected>";

fn malformed<T: std::fmt::Debug>(what: &str, result: Result<T>) {
    match result {
        Err(e) => assert_eq!(e.kind(), &ErrorKind::MalformedResponse, "{what}: {e}"),
        Ok(v) => panic!("{what} accepted <Unexpected>: {v:?}"),
    }
}

#[test]
fn every_aws_parser_checks_its_root_element() {
    malformed("DescribeInstances", ec2::parse::describe_instances(WRONG));
    malformed("RunInstances", ec2::parse::run_instances(WRONG));
    malformed(
        "DescribeInstanceTypes",
        ec2::parse::describe_instance_types(WRONG),
    );
    malformed("DescribeImages", ec2::parse::describe_images(WRONG));
    malformed(
        "DescribeAvailabilityZones",
        ec2::parse::describe_availability_zones(WRONG),
    );
    malformed("DescribeVolumes", ec2::parse::describe_volumes(WRONG));
    malformed("CreateVolume", ec2::parse::create_volume(WRONG));
    malformed("DescribeSnapshots", ec2::parse::describe_snapshots(WRONG));
    malformed("CreateSnapshot", ec2::parse::create_snapshot(WRONG));
    malformed("DescribeKeyPairs", ec2::parse::describe_key_pairs(WRONG));
    malformed("CreateKeyPair", ec2::parse::key_pair_result(WRONG));
    malformed(
        "DescribeSecurityGroups",
        ec2::parse::describe_security_groups(WRONG),
    );
    malformed("DescribeAddresses", ec2::parse::describe_addresses(WRONG));
    malformed("AllocateAddress", ec2::parse::allocate_address(WRONG));
    malformed("a single field", ec2::parse::field(WRONG, "Item"));
    malformed(
        "DescribeLoadBalancers",
        elb::parse::describe_load_balancers(WRONG),
    );
    malformed("DescribeInstanceHealth", elb::parse::instance_health(WRONG));
    malformed("ListHostedZones", route53::parse::list_hosted_zones(WRONG));
    malformed("GetHostedZone", route53::parse::hosted_zone_response(WRONG));
    malformed(
        "ListResourceRecordSets",
        route53::parse::list_record_sets(WRONG),
    );
    malformed("ListBuckets", s3::parse::list_buckets(WRONG));
    malformed("ListObjectsV2", s3::parse::list_objects("b", WRONG));
    malformed("ListObjects", s3::parse::list_objects_v1("b", WRONG));
    malformed("CreateMultipartUpload", s3::parse::upload_id(WRONG));
    malformed("CompleteMultipartUpload", s3::parse::result_etag(WRONG));
    malformed(
        "ListMultipartUploads",
        s3::parse::list_multipart_uploads(WRONG),
    );
    malformed("DeleteObjects", s3::parse::delete_result_errors(WRONG));
}

#[test]
fn pretty_printed_answers_read_like_compact_ones() {
    let body = "<CreateKeyPairResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n  \
        <requestId>\n   r-1\n  </requestId>\n  <keyName>\n   deploy\n  </keyName>\n  \
        <keyFingerprint>\n   00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff\n  </keyFingerprint>\n  \
        <keyMaterial>-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----</keyMaterial>\n\
        </CreateKeyPairResponse>";
    let key = ec2::parse::key_pair_result(body).unwrap();
    assert_eq!(key.name, "deploy");
    assert_eq!(
        key.fingerprint.as_deref(),
        Some("00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff")
    );
    // S3 keys keep their spaces: they are part of the name.
    let listing = s3::parse::list_objects(
        "b",
        "<ListBucketResult><Contents><Key> padded </Key><Size>\n 3 \n</Size></Contents>\
         <IsTruncated>false</IsTruncated></ListBucketResult>",
    )
    .unwrap();
    assert_eq!(listing.items[0].name(), " padded ");
}

#[test]
fn list_objects_v1_continues_after_the_marker_or_the_last_name() {
    let page = s3::parse::list_objects_v1(
        "b",
        "<ListBucketResult><IsTruncated>true</IsTruncated>\
         <Contents><Key>a</Key><Size>1</Size></Contents>\
         <Contents><Key>b</Key><Size>1</Size></Contents></ListBucketResult>",
    )
    .unwrap();
    assert_eq!(page.next.as_deref(), Some("b"));
    let page = s3::parse::list_objects_v1(
        "b",
        "<ListBucketResult><IsTruncated>true</IsTruncated><NextMarker>p/</NextMarker>\
         <CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes></ListBucketResult>",
    )
    .unwrap();
    assert_eq!(page.next.as_deref(), Some("p/"));
    let last = s3::parse::list_objects_v1(
        "b",
        "<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>",
    )
    .unwrap();
    assert_eq!(last.next, None);
}
