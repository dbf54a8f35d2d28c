//! The compute conformance suite against libvirt's built-in test driver
//! (`test:///default`, no daemon). Connections opened by one process share
//! the driver's state, so each case adds an image volume of its own to
//! `default-pool` and names its nodes after itself.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use cloud_core::Compute;
use cloud_libvirt::LibvirtBuilder;
use cloud_testkit::ComputeFixture;

fn compute(image: &str) -> Compute {
    let driver = LibvirtBuilder::new()
        .uri("test:///default")
        .image_pool("default-pool")
        .connect()
        .unwrap();
    driver.ex_create_image_volume(image, 1 << 30).unwrap();
    Compute::new(driver)
}

cloud_testkit::compute_suite!(|case: &'static str| async move {
    let image = format!("{case}.img");
    let fixture = ComputeFixture::new(compute(&image))
        .node_template("small", &image)
        .missing_node_id("00000000-0000-0000-0000-000000000000")
        .timing(Duration::from_secs(10), Duration::from_millis(20));
    Some(fixture)
});
