//! The local provider passes the storage conformance suite.

use cloud_core::Storage;
use cloud_local::LocalStorage;
use cloud_testkit::StorageFixture;

cloud_testkit::storage_suite!(|_case: &'static str| async {
    // Each case gets its own account folder, removed when the test process ends.
    let dir = tempfile::tempdir().expect("temporary folder").keep();
    let storage = Storage::new(LocalStorage::new(dir).expect("local storage"));
    Some(
        StorageFixture::new(storage)
            .large_object_bytes(32 * 1024 * 1024)
            .invalid_object_name("../escape")
            .invalid_object_name("a/../../escape")
            .invalid_object_name("/etc/passwd")
            .invalid_object_name("a//b")
            .invalid_object_name("./a")
            .invalid_object_name("dir/")
            .invalid_container_name(".cloud")
            .invalid_container_name(".hidden"),
    )
});
