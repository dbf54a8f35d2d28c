//! The memory provider passes all four conformance suites.

use std::time::Duration;

use cloud_core::{Compute, Dns, LoadBalancers, Storage};
use cloud_memory::MemoryCloud;
use cloud_testkit::{ComputeFixture, DnsFixture, LoadBalancerFixture, StorageFixture};

fn cloud() -> MemoryCloud {
    MemoryCloud::builder()
        .transition_delay(Duration::from_millis(30))
        .build()
}

mod storage {
    use super::*;

    cloud_testkit::storage_suite!(|_case: &'static str| async {
        Some(StorageFixture::new(Storage::new(cloud().storage())))
    });
}

mod compute {
    use super::*;

    cloud_testkit::compute_suite!(|_case: &'static str| async {
        let fixture = ComputeFixture::new(Compute::new(cloud().compute()))
            .timing(Duration::from_secs(5), Duration::from_millis(5));
        Some(fixture)
    });
}

mod loadbalancer {
    use super::*;

    cloud_testkit::loadbalancer_suite!(|_case: &'static str| async {
        Some(LoadBalancerFixture::new(LoadBalancers::new(
            cloud().load_balancer(),
        )))
    });
}

mod dns {
    use super::*;

    cloud_testkit::dns_suite!(|_case: &'static str| async {
        Some(DnsFixture::new(Dns::new(cloud().dns())))
    });
}
